package io.vitprune.deploy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.latency.LatencyTimer;
import io.vitprune.core.latency.LibtorchTimer;
import io.vitprune.core.model.VitConfig;

/** The {@link LatencyTimer} of a runtime as latency tables name it, with this JVM's libtorch threads. */
public final class LatencyTimers {
    private LatencyTimers() {
    }

    public static LatencyTimer of(String runtime, VitConfig config, long seed) {
        return switch (runtime) {
            case LatencyTable.LIBTORCH -> new LibtorchTimer(config, seed);
            case OnnxRuntimeTimer.RUNTIME -> new OnnxRuntimeTimer(config, EngineDefaults.threads(), seed);
            default -> throw new InvalidInputException("runtime '" + runtime + "': expected " + LatencyTable.LIBTORCH + " or " + OnnxRuntimeTimer.RUNTIME);
        };
    }
}
