package io.vitprune.core.reliability;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.UnitKind;
import java.util.List;
import java.util.Locale;

/**
 * How alike a scorer ranks the units when it scores two disjoint halves of the scoring set
 * ({@link SplitHalf}): Spearman's rank correlation of the two score vectors over all blocks
 * together ({@code overall}, what a global selector ranks) and within each block ({@code perBlock},
 * what a uniform selector ranks). 1: the same ranking from either half; near 0: the ranking is
 * sampling noise. NaN where undefined (a half gave one score to every unit, the other did not).
 *
 * @param halfImages images in the smaller half
 */
public record SplitHalfReliability(UnitKind kind, int halfImages, double overall, List<Double> perBlock) {
    /**
     * Below this the figure is {@linkplain #isLow() low}. A convention, not a test: at r = 0.5 the
     * Spearman-Brown estimate for the whole set, 2r / (1 + r), is 0.67, and a third of the ranking's
     * variance is noise; measured on the reference model, label L_CE scored about -0.05 and L_KL 0.82.
     */
    public static final double LOW = 0.5;

    public SplitHalfReliability {
        requireNonNull(kind, "kind is null");
        perBlock = List.copyOf(perBlock);
    }

    /** The mean of the defined per-block correlations; NaN if none is. */
    public double meanPerBlock() {
        return perBlock.stream().mapToDouble(Double::doubleValue).filter(r -> !Double.isNaN(r)).average().orElse(Double.NaN);
    }

    /** Whether the correlation over all blocks or the mean within a block is below {@link #LOW} or undefined. */
    public boolean isLow() {
        return !(overall >= LOW) || !(meanPerBlock() >= LOW);
    }

    /** One line, e.g. {@code split-half rank correlation of attention-channel scores (2 x 128 images): 0.82 over all blocks, per block 0.71 .. 0.90 (mean 0.80)}. */
    public String summary() {
        double min = perBlock.stream().mapToDouble(Double::doubleValue).filter(r -> !Double.isNaN(r)).min().orElse(Double.NaN);
        double max = perBlock.stream().mapToDouble(Double::doubleValue).filter(r -> !Double.isNaN(r)).max().orElse(Double.NaN);
        return "split-half rank correlation of " + kind.id() + " scores (2 x " + halfImages + " images): " + format(overall)
                + " over all blocks, per block " + format(min) + " .. " + format(max) + " (mean " + format(meanPerBlock()) + ")"
                + (isLow() ? "; LOW (below " + LOW + "): the ranking is largely sampling noise" : "");
    }

    @Override
    public String toString() {
        return summary();
    }

    private static String format(double r) {
        return Double.isNaN(r) ? "n/a" : String.format(Locale.ROOT, "%.2f", r);
    }
}
