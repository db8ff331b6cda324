package io.vitprune.core.train;

import io.vitprune.api.InvalidInputException;

/** Hyper-parameters of a training run; a checkpoint resumes only with the same options. */
public record TrainingOptions(int epochs, int batchSize, double learningRate, double minLearningRate, double weightDecay,
                              double warmupEpochs, double labelSmoothing, long seed) {
    public TrainingOptions {
        if (epochs <= 0 || batchSize <= 0) {
            throw new InvalidInputException("epochs " + epochs + " and batch size " + batchSize + ": expected both > 0");
        }
        if (!(learningRate > 0) || minLearningRate < 0 || minLearningRate > learningRate) {
            throw new InvalidInputException("learning rate " + learningRate + " (floor " + minLearningRate
                    + "): expected a peak > 0 and 0 <= floor <= peak");
        }
        if (weightDecay < 0 || warmupEpochs < 0 || warmupEpochs > epochs) {
            throw new InvalidInputException("weight decay " + weightDecay + ", warm-up " + warmupEpochs
                    + " epochs: expected decay >= 0 and 0 <= warm-up <= epochs");
        }
        if (labelSmoothing < 0 || labelSmoothing >= 1) {
            throw new InvalidInputException("label smoothing " + labelSmoothing + ": expected a number in [0, 1)");
        }
    }

    /** The recipe of the bundled reference model. */
    public static TrainingOptions reference() {
        return new TrainingOptions(50, 128, 1e-3, 1e-5, 0.05, 3, 0.1, 42);
    }
}
