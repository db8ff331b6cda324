package io.vitprune.core.latency;

import io.vitprune.api.BlockStructure;

/**
 * Makes a grid of measured block times monotone (a smaller block never predicts slower than a larger
 * one) by measuring again where it is not: a point that came out no faster than a larger neighbour is
 * timed in pairs with the faster of its two larger neighbours, alternating which runs first, and
 * takes that neighbour's time times the median ratio, at most 1 (a block truly as slow as a larger
 * one keeps the larger one's time). A slow spell that met one point in most passes survives the
 * median over passes; a running minimum alone would then give the point its larger neighbour's time,
 * flattening the surface there, where the pairs measure the two at one moment, so the spell cancels.
 * Points are settled from the largest down, so that each is compared with settled ones, which are
 * already no slower than any point larger than them.
 */
final class MonotoneGrid {
    /** The median over pairs of {@code smaller}'s time over {@code larger}'s. */
    @FunctionalInterface
    interface PairedRatio {
        double ratio(BlockStructure smaller, BlockStructure larger);
    }

    private MonotoneGrid() {
    }

    /**
     * {@code measured} settled; {@code blocks} are the points' blocks (rows and columns growing), null
     * where a point is not a block of its own: such a point is never timed again, it takes its larger
     * neighbour's time where it is slower.
     */
    static double[][] settle(double[][] measured, BlockStructure[][] blocks, PairedRatio paired) {
        double[][] values = new double[measured.length][];
        for (int i = 0; i < measured.length; i++) {
            values[i] = measured[i].clone();
        }
        for (int i = values.length - 1; i >= 0; i--) {
            for (int j = values[i].length - 1; j >= 0; j--) {
                boolean right = j + 1 < values[i].length;
                boolean up = i + 1 < values.length;
                if (!right && !up) {
                    continue;
                }
                int row = up && (!right || values[i + 1][j] < values[i][j + 1]) ? i + 1 : i;
                int column = row == i ? j + 1 : j;
                double larger = values[row][column];
                if (larger > values[i][j]) {
                    continue;
                }
                boolean timed = blocks[i][j] != null && blocks[row][column] != null;
                values[i][j] = larger * (timed ? Math.min(1, paired.ratio(blocks[i][j], blocks[row][column])) : 1);
            }
        }
        return values;
    }
}
