package io.vitprune.core.train;

import ai.djl.ndarray.NDArray;

/** The training loss of one batch; cross-entropy by default, distillation for fine-tuning. */
@FunctionalInterface
public interface Objective {
    /** Mean loss over the batch (a scalar that requires gradients). */
    NDArray loss(NDArray logits, NDArray labels, NDArray images);

    /** Cross-entropy with label smoothing {@code smoothing} in [0, 1). */
    static Objective crossEntropy(double smoothing) {
        float eps = (float) smoothing;
        return (logits, labels, images) -> {
            int classes = (int) logits.getShape().getLastDimension();
            NDArray logProbabilities = logits.logSoftmax(-1);
            NDArray target = labels.oneHot(classes).muli(1f - eps).addi(eps / classes);
            return target.mul(logProbabilities).sum(new int[] {-1}).neg().mean();
        };
    }
}
