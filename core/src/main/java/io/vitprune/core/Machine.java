package io.vitprune.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** One line naming the machine a result was measured on, for reports. */
public final class Machine {
    private Machine() {
    }

    public static String describe() {
        return String.format("%s, %d cores, %s %s, Java %s, libtorch threads %s", cpuModel(), Runtime.getRuntime().availableProcessors(),
                System.getProperty("os.name"), System.getProperty("os.arch"), System.getProperty("java.version"),
                System.getProperty("ai.djl.pytorch.num_threads", "default"));
    }

    /** The CPU's model name from /proc/cpuinfo (Linux), else "unknown CPU". */
    public static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse("unknown CPU");
        } catch (IOException | RuntimeException e) {
            return "unknown CPU";
        }
    }
}
