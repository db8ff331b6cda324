package io.vitprune.strategies.stability;

import io.vitprune.api.InvalidInputException;

/** A straight line {@code y = intercept + slope * x}, fitted by ordinary least squares. */
record Line(double intercept, double slope) {
    /**
     * The least-squares line through {@code (x[i], y[i])}. When every x is the same the slope is
     * undetermined; the fit is then the flat line through the mean of y, the best constant.
     */
    static Line fit(double[] x, double[] y) {
        if (x.length != y.length || x.length == 0) {
            throw new InvalidInputException("least-squares fit of " + x.length + " x values and " + y.length + " y values: expected "
                    + "as many of each, at least one");
        }
        double meanX = mean(x);
        double meanY = mean(y);
        double sxx = 0;
        double sxy = 0;
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < x.length; i++) {
            sxx += (x[i] - meanX) * (x[i] - meanX);
            sxy += (x[i] - meanX) * (y[i] - meanY);
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        // Test the values, not sxx: identical values can leave a rounding-sized sxx > 0 around an inexact mean.
        if (min == max) {
            return new Line(meanY, 0);
        }
        double slope = sxy / sxx;
        return new Line(meanY - slope * meanX, slope);
    }

    double at(double x) {
        return intercept + slope * x;
    }

    private static double mean(double[] values) {
        double sum = 0;
        for (double value : values) {
            sum += value;
        }
        return sum / values.length;
    }
}
