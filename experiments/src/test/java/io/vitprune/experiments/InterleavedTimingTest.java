package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.train.ProgressBar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What runs when and what is summarised; no assertion on a time. */
class InterleavedTimingTest {
    private final ProgressBar progress = new ProgressBar(new PrintStream(new ByteArrayOutputStream()), "test", 1, false, Duration.ofSeconds(30));

    @Test
    void everyCallRunsOncePerRoundInOrdersThatVary() {
        List<Integer> log = new ArrayList<>();
        List<Runnable> calls = List.of(() -> log.add(0), () -> log.add(1), () -> log.add(2));

        List<InterleavedTiming.Measured> measured = InterleavedTiming.measure(calls, 2, 6, 7, progress);

        assertThat(measured).hasSize(3).allMatch(m -> m.q1Ms() <= m.medianMs() && m.medianMs() <= m.q3Ms());
        assertThat(log).hasSize(3 * 8);
        List<List<Integer>> rounds = new ArrayList<>();
        for (int round = 0; round < 8; round++) {
            List<Integer> order = log.subList(3 * round, 3 * round + 3);
            assertThat(order).containsExactlyInAnyOrder(0, 1, 2);
            rounds.add(order);
        }
        assertThat(rounds.stream().distinct().count()).as("shuffled per round").isGreaterThan(1);
    }

    @Test
    void quantilesInterpolateBetweenRanks() {
        double[] sorted = {1, 2, 3, 4, 10};
        assertThat(InterleavedTiming.quantile(sorted, 0.5)).isEqualTo(3);
        assertThat(InterleavedTiming.quantile(sorted, 0.25)).isEqualTo(2);
        assertThat(InterleavedTiming.quantile(sorted, 0.75)).isEqualTo(4);
        assertThat(InterleavedTiming.quantile(new double[] {1, 2}, 0.5)).isEqualTo(1.5);
    }

    @Test
    void refusesNoTimedRound() {
        assertThatThrownBy(() -> InterleavedTiming.measure(List.of(() -> { }), 0, 0, 1, progress)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("expected >= 0 and >= 1");
    }
}
