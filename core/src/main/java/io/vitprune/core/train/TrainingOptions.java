package io.vitprune.core.train;

import io.vitprune.api.InvalidInputException;

/**
 * Hyper-parameters of a training run; a checkpoint resumes only with the same options (or, when
 * amending, the same {@linkplain #sameSchedule schedule}). {@code maxGradientNorm} clips the global
 * gradient norm before each update; 0 turns clipping off.
 */
public record TrainingOptions(int epochs, int batchSize, double learningRate, double minLearningRate, double weightDecay,
                              double warmupEpochs, double labelSmoothing, long seed, double maxGradientNorm) {
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
        if (!(maxGradientNorm >= 0) || Double.isInfinite(maxGradientNorm)) {
            throw new InvalidInputException("maximum gradient norm " + maxGradientNorm + ": expected a finite number >= 0 (0: no clipping)");
        }
    }

    /**
     * The recipe for training that starts from a trained model (KD fine-tuning's, also the host's
     * training of learned scorers): 0.1 warm-up epoch, cosine decay to {@code learningRate / 100},
     * weight decay 0.05, label smoothing 0.1, gradient norm clipped to 1.
     */
    public static TrainingOptions fromTrained(int epochs, int batchSize, double learningRate, long seed) {
        return new TrainingOptions(epochs, batchSize, learningRate, learningRate / 100, 0.05, 0.1, 0.1, seed, 1.0);
    }

    /**
     * Whether both runs visit the same data in the same order at the same learning rates, so that a
     * checkpoint of one can be continued by the other: only weight decay, label smoothing and
     * gradient clipping may differ.
     */
    public boolean sameSchedule(TrainingOptions other) {
        return epochs == other.epochs && batchSize == other.batchSize && learningRate == other.learningRate
                && minLearningRate == other.minLearningRate && warmupEpochs == other.warmupEpochs && seed == other.seed;
    }
}
