package io.vitprune.experiments;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.train.ProgressBar;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;

/**
 * The latency of several calls measured together, in one timing method: {@code warmups} untimed
 * rounds, then {@code rounds} timed rounds in each of which every call runs once, in an order
 * shuffled per round from the seed, so that a change of load (or a slow drift) hits all calls alike
 * and no call always follows the same neighbour. Per call: the median of its rounds and the
 * quartiles, whose distance says how far one measurement can be trusted.
 */
final class InterleavedTiming {
    record Measured(double medianMs, double q1Ms, double q3Ms) {
        /** The interquartile range over the median. */
        double relativeSpread() {
            return (q3Ms - q1Ms) / medianMs;
        }
    }

    private InterleavedTiming() {
    }

    static List<Measured> measure(List<Runnable> calls, int warmups, int rounds, long seed, ProgressBar progress) {
        if (warmups < 0 || rounds < 1) {
            throw new InvalidInputException("timing with " + warmups + " warm-up and " + rounds + " timed rounds: expected >= 0 and >= 1");
        }
        Random random = new Random(seed);
        List<Integer> order = new ArrayList<>(IntStream.range(0, calls.size()).boxed().toList());
        double[][] times = new double[calls.size()][rounds];
        for (int round = 0; round < warmups + rounds; round++) {
            Collections.shuffle(order, random);
            for (int call : order) {
                long start = System.nanoTime();
                calls.get(call).run();
                if (round >= warmups) {
                    times[call][round - warmups] = (System.nanoTime() - start) / 1e6;
                }
            }
            progress.update(round + 1, warmups + rounds, round < warmups ? "warm-up" : "timed round " + (round + 1 - warmups));
        }
        return Arrays.stream(times).map(InterleavedTiming::summarise).toList();
    }

    private static Measured summarise(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return new Measured(quantile(sorted, 0.5), quantile(sorted, 0.25), quantile(sorted, 0.75));
    }

    /** Linear between the closest ranks (the usual "type 7" quantile). */
    static double quantile(double[] sorted, double p) {
        double position = p * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = Math.min(lower + 1, sorted.length - 1);
        return sorted[lower] + (position - lower) * (sorted[upper] - sorted[lower]);
    }
}
