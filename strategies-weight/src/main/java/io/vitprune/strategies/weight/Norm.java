package io.vitprune.strategies.weight;

import ai.djl.ndarray.NDArray;

/** A vector norm, taken along one axis of a weight matrix. */
enum Norm {
    L1 {
        @Override
        NDArray along(NDArray weight, int axis) {
            return weight.abs().sum(new int[] {axis});
        }
    },
    L2 {
        @Override
        NDArray along(NDArray weight, int axis) {
            return weight.square().sum(new int[] {axis}).sqrt();
        }
    };

    /** Norms of the vectors that run along {@code axis}: axis 0 gives one per column, axis 1 one per row. */
    abstract NDArray along(NDArray weight, int axis);
}
