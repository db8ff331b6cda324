package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What a scorer asks of a {@link ModelTraining}: {@code epochs} over the scoring data in batches of
 * {@code batchSize}, peak learning rates for the model's weights ({@code learningRate}) and for the
 * regularizer's parameters ({@code parameterLearningRate}), and the {@code seed} of the data order
 * and augmentation. The rest of the recipe (optimizer, schedule, weight decay, augmentation) is the
 * host's. With a {@code workDirectory} the host checkpoints every epoch there and a run started
 * again on it resumes; without one it trains in a temporary directory.
 */
public record TrainingSpec(int epochs, double learningRate, double parameterLearningRate, int batchSize, long seed,
                           Optional<Path> workDirectory) {
    public TrainingSpec {
        if (epochs <= 0 || batchSize <= 0) {
            throw new InvalidInputException("training for " + epochs + " epochs in batches of " + batchSize + ": expected both > 0");
        }
        if (!(learningRate > 0 && Double.isFinite(learningRate) && parameterLearningRate > 0 && Double.isFinite(parameterLearningRate))) {
            throw new InvalidInputException("learning rates " + learningRate + " (model) and " + parameterLearningRate
                    + " (regularizer): expected finite numbers > 0");
        }
        requireNonNull(workDirectory, "work directory is null (use Optional.empty())");
    }
}
