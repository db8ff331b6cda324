package io.vitprune.experiments;

import io.vitprune.strategies.vtp.GatedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.XYChart;

/** The magnitudes |g| of one kind of gates of a gated model, sorted: what the sparsity phase did to them. */
record GateStatistics(String kind, double[] magnitudes) {
    static List<GateStatistics> of(GatedModel gated) {
        return List.of(new GateStatistics("attention channels", sortedMagnitudes(gated.attentionGates())),
                new GateStatistics("MLP units", sortedMagnitudes(gated.mlpGates())));
    }

    private static double[] sortedMagnitudes(List<float[]> blocks) {
        return blocks.stream().flatMapToDouble(block -> {
            double[] abs = new double[block.length];
            for (int i = 0; i < block.length; i++) {
                abs[i] = Math.abs(block[i]);
            }
            return Arrays.stream(abs);
        }).sorted().toArray();
    }

    double median() {
        return magnitudes[magnitudes.length / 2];
    }

    double max() {
        return magnitudes[magnitudes.length - 1];
    }

    double fractionBelow(double threshold) {
        return (double) Arrays.stream(magnitudes).filter(v -> v < threshold).count() / magnitudes.length;
    }

    String summary() {
        return String.format("%s: %,d gates, min %.3f, median %.3f, max %.3f; %.1f%% below 0.1, %.1f%% below 0.5.", kind, magnitudes.length,
                magnitudes[0], median(), max(), 100 * fractionBelow(0.1), 100 * fractionBelow(0.5));
    }

    /** Adds this kind's histogram of {@code bins} equal bins over [0, max |g|] to {@code chart}. */
    void addHistogram(CategoryChart chart, int bins) {
        double top = Math.max(1e-9, max());
        List<String> labels = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            double low = top * b / bins;
            double high = top * (b + 1) / bins;
            boolean last = b == bins - 1;
            labels.add(String.format("%.2f", low));
            counts.add((int) Arrays.stream(magnitudes).filter(v -> v >= low && (v < high || last && v <= high)).count());
        }
        chart.addSeries(kind, labels, counts);
    }

    /** Adds the cumulative distribution (fraction of gates with |g| <= x) as a line named {@code name}. */
    void addCumulative(XYChart chart, String name) {
        double[] fractions = new double[magnitudes.length];
        for (int i = 0; i < fractions.length; i++) {
            fractions[i] = (i + 1.0) / fractions.length;
        }
        chart.addSeries(name, magnitudes, fractions);
    }
}
