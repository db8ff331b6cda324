package io.vitprune.core.latency;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import java.util.Arrays;
import java.util.function.DoubleSupplier;

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
        double[][] times = alternating(pairs, () -> timer.modelMs(unpruned, batch, this::medianMs),
                () -> timer.modelMs(pruned, batch, this::medianMs));
        double[] ms = Arrays.stream(times).mapToDouble(pair -> pair[1]).toArray();
        double[] fractions = Arrays.stream(times).mapToDouble(pair -> pair[1] / pair[0]).toArray();
        return new Measured(LatencyCalibration.median(ms), LatencyCalibration.median(fractions));
    }

    /**
     * {@code pairs} pairs of times, {@code {first, second}}: {@code first} runs first in every even pair, {@code second} in every
     * odd one, so that over an even number of pairs a steady drift favours neither.
     */
    static double[][] alternating(int pairs, DoubleSupplier first, DoubleSupplier second) {
        double[][] times = new double[pairs][2];
        for (int pair = 0; pair < pairs; pair++) {
            if (pair % 2 == 0) {
                times[pair][0] = first.getAsDouble();
                times[pair][1] = second.getAsDouble();
            } else {
                times[pair][1] = second.getAsDouble();
                times[pair][0] = first.getAsDouble();
            }
        }
        return times;
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
