package io.vitprune.core.reliability;

import io.vitprune.api.InvalidInputException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/** Spearman's rank correlation: the Pearson correlation of the ranks, ties given their average rank. */
public final class Spearman {
    private Spearman() {
    }

    /**
     * The rank correlation of {@code x} and {@code y}, in [-1, 1]: exactly 1 when both rank alike,
     * NaN (undefined) when they do not and one of them is constant (or has a single value).
     */
    public static double correlation(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new InvalidInputException("rank correlation of " + x.length + " and " + y.length + " values: expected as many of each");
        }
        double[] rx = ranks(x);
        double[] ry = ranks(y);
        if (Arrays.equals(rx, ry)) {
            return 1;
        }
        double mean = (x.length + 1) / 2.0;
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < rx.length; i++) {
            sxy += (rx[i] - mean) * (ry[i] - mean);
            sxx += (rx[i] - mean) * (rx[i] - mean);
            syy += (ry[i] - mean) * (ry[i] - mean);
        }
        if (sxx == 0 || syy == 0) {
            return Double.NaN;
        }
        return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
    }

    /** 1-based ranks of {@code values}, smallest first; equal values share the mean of their ranks. */
    public static double[] ranks(double[] values) {
        int[] order = IntStream.range(0, values.length).boxed().sorted(Comparator.comparingDouble(i -> values[i]))
                .mapToInt(Integer::intValue).toArray();
        double[] ranks = new double[values.length];
        for (int start = 0; start < order.length; ) {
            int end = start;
            while (end + 1 < order.length && values[order[end + 1]] == values[order[start]]) {
                end++;
            }
            double rank = (start + end) / 2.0 + 1;
            for (int i = start; i <= end; i++) {
                ranks[order[i]] = rank;
            }
            start = end + 1;
        }
        return ranks;
    }
}
