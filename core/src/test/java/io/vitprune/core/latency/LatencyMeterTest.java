package io.vitprune.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyMeterTest {
    private static final ModelStructure UNPRUNED = new ModelStructure(16, List.of(new BlockStructure(List.of(4, 4), 32)));
    private static final ModelStructure PRUNED = new ModelStructure(16, List.of(new BlockStructure(List.of(4), 16)));

    /** Reports a model's milliseconds (its MLP width over 10) times a drift that grows 5% with every model timed; counts the calls. */
    private static final class DriftingTimer implements LatencyTimer {
        double drift = 1;
        int calls;

        @Override
        public double modelMs(ModelStructure structure, int batch, Timing timing) {
            timing.medianMs(() -> calls++);
            drift *= 1.05;
            return structure.block(0).mlpWidth() / 10.0 * drift;
        }

        @Override
        public String runtime() {
            return "fake";
        }

        @Override
        public int threads() {
            return 1;
        }

        @Override
        public String execution(int batch) {
            return "GROUPED";
        }

        @Override
        public double blockMs(BlockStructure block, int batch, Timing timing) {
            throw new UnsupportedOperationException();
        }

        @Override
        public double fixedMs(int batch, Timing timing) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void close() {
        }
    }

    @Test
    void theFractionCancelsADriftThatMovesEveryModelTimedAfterTheLast() {
        DriftingTimer timer = new DriftingTimer();

        LatencyMeter.Measured measured = LatencyMeter.of(timer, UNPRUNED, 32).measure(PRUNED);

        // A pair that runs the unpruned model first sees the pruned one 5% slow, the other 5% fast: the median takes one of each.
        assertThat(measured.fraction()).isEqualTo(0.5, within(0.5 * 0.002));
        assertThat(measured.ms()).isGreaterThan(1.6);
    }

    @Test
    void atSmallBatchesATimedCallRunsThePassesOfABatchOf32() {
        DriftingTimer timer = new DriftingTimer();

        new LatencyMeter(timer, UNPRUNED, 1, 1, 2, 3).measure(PRUNED);
        int atBatch1 = timer.calls;
        timer.calls = 0;
        new LatencyMeter(timer, UNPRUNED, 32, 1, 2, 3).measure(PRUNED);

        assertThat(atBatch1).isEqualTo(2 * (2 + 3) * 32);
        assertThat(timer.calls).isEqualTo(2 * (2 + 3));
    }

    @Test
    void refusesMeasuringWithoutPairsOrTimedCalls() {
        DriftingTimer timer = new DriftingTimer();

        assertThatThrownBy(() -> new LatencyMeter(timer, UNPRUNED, 1, 0, 2, 3)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("in 0 pairs");
        assertThatThrownBy(() -> new LatencyMeter(timer, UNPRUNED, 1, 2, 2, 0)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected >= 1, >= 1, >= 0 and >= 1");
    }
}
