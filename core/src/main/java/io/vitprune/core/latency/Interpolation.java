package io.vitprune.core.latency;

/**
 * Piecewise-linear interpolation over an ascending integer grid, exact at grid points. Outside the
 * grid the nearest end value holds: a width below the grid costs what the smallest grid width
 * costs, so a prediction never extrapolates a fall that was not measured.
 */
final class Interpolation {
    private Interpolation() {
    }

    static double linear(int[] xs, double[] values, double x) {
        if (x <= xs[0]) {
            return values[0];
        }
        int last = xs.length - 1;
        if (x >= xs[last]) {
            return values[last];
        }
        int upper = 1;
        while (xs[upper] < x) {
            upper++;
        }
        double t = (x - xs[upper - 1]) / (xs[upper] - xs[upper - 1]);
        return values[upper - 1] + t * (values[upper] - values[upper - 1]);
    }

    /** Over rows {@code xs} and columns {@code ys}: linear along each row, then across rows. */
    static double bilinear(int[] xs, int[] ys, double[][] values, double x, double y) {
        double[] column = new double[xs.length];
        for (int i = 0; i < xs.length; i++) {
            column[i] = linear(ys, values[i], y);
        }
        return linear(xs, column, x);
    }
}
