package io.vitprune.core.latency;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;

/**
 * Measures, on this machine now, a pruned model's latency against the unpruned model's: whole models
 * of both structures (random weights: a forward pass costs the same whatever they hold) timed by the
 * runtime's {@link LatencyTimer} in pairs, the two in alternating order, and the median over the
 * pairs of their ratio. The machine's drift moves both of a pair alike and cancels in the ratio; a
 * table calibrated minutes or days before cannot see it. At small batches a timed call runs several
 * forward passes, so that it is long against the clock's and the scheduler's granularity.
 */
public final class LatencyMeter {
    /** A pruned model's median time per forward pass, and the median of its ratios to the unpruned model's. */
    public record Measured(double ms, double fraction) {
    }

    /**
     * Pairs of {@link #of}: an even number, so that as many pairs run the unpruned model first as
     * second and the median, between one of each, cancels a steady drift; then warm-up and timed calls.
     */
    public static final int PAIRS = 6;
    private static final int WARMUPS = 2;
    private static final int ROUNDS = 9;
    /** Forward passes per timed call: at least one, else as many as fill a batch of 32 images. */
    private static final int IMAGES_PER_CALL = 32;

    private final LatencyTimer timer;
    private final ModelStructure unpruned;
    private final int batch;
    private final int pairs;
    private final int warmups;
    private final int rounds;

    public LatencyMeter(LatencyTimer timer, ModelStructure unpruned, int batch, int pairs, int warmups, int rounds) {
        this.timer = requireNonNull(timer, "timer is null");
        this.unpruned = requireNonNull(unpruned, "unpruned structure is null");
        if (batch < 1 || pairs < 1 || warmups < 0 || rounds < 1) {
            throw new InvalidInputException(String.format("measuring latency at batch %d in %d pairs of %d warm-up and %d timed calls: "
                    + "expected >= 1, >= 1, >= 0 and >= 1", batch, pairs, warmups, rounds));
        }
        this.batch = batch;
        this.pairs = pairs;
        this.warmups = warmups;
        this.rounds = rounds;
    }

    /** A meter with the pairs and calls that the latency experiment and {@code prune} measure with. */
    public static LatencyMeter of(LatencyTimer timer, ModelStructure unpruned, int batch) {
        return new LatencyMeter(timer, unpruned, batch, PAIRS, WARMUPS, ROUNDS);
    }

    public Measured measure(ModelStructure pruned) {
        double[] ms = new double[pairs];
        double[] fractions = new double[pairs];
        for (int pair = 0; pair < pairs; pair++) {
            double unprunedMs;
            if (pair % 2 == 0) {
                unprunedMs = timer.modelMs(unpruned, batch, this::medianMs);
                ms[pair] = timer.modelMs(pruned, batch, this::medianMs);
            } else {
                ms[pair] = timer.modelMs(pruned, batch, this::medianMs);
                unprunedMs = timer.modelMs(unpruned, batch, this::medianMs);
            }
            fractions[pair] = ms[pair] / unprunedMs;
        }
        return new Measured(LatencyCalibration.median(ms), LatencyCalibration.median(fractions));
    }

    private double medianMs(Runnable call) {
        int passes = Math.max(1, IMAGES_PER_CALL / batch);
        return LatencyCalibration.medianMs(() -> {
            for (int pass = 0; pass < passes; pass++) {
                call.run();
            }
        }, warmups, rounds) / passes;
    }
}
