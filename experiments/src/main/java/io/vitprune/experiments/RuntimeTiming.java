package io.vitprune.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.PrunableModel;
import java.util.Arrays;
import java.util.List;

/**
 * A quick in-run latency of several calls (one batch on each runtime), not a JMH benchmark: after
 * one warm-up call each, {@code rounds} rounds in which every call runs once in turn, so that a
 * change of load on the machine hits all of them alike; the median per call, in milliseconds.
 */
final class RuntimeTiming {
    private RuntimeTiming() {
    }

    static double[] medianMilliseconds(int rounds, List<Runnable> calls) {
        if (rounds < 1) {
            throw new io.vitprune.api.InvalidInputException("timing rounds " + rounds + ": expected >= 1");
        }
        calls.forEach(Runnable::run);
        double[][] times = new double[calls.size()][rounds];
        for (int round = 0; round < rounds; round++) {
            for (int call = 0; call < calls.size(); call++) {
                long start = System.nanoTime();
                calls.get(call).run();
                times[call][round] = (System.nanoTime() - start) / 1e6;
            }
        }
        return Arrays.stream(times).mapToDouble(RuntimeTiming::median).toArray();
    }

    /**
     * {@code passes} forward passes of {@code model} on {@code images}, each in a scope of its own
     * that the images join for the pass, so that every temporary is freed with it.
     */
    static void forwardPasses(PrunableModel model, NDArray images, int passes) {
        for (int pass = 0; pass < passes; pass++) {
            try (NDManager call = model.newScope()) {
                images.tempAttach(call);
                model.logits(images).toFloatArray();
            }
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }
}
