package io.vitprune.api;

/**
 * The host's training, offered to learned scorers by {@link ScoringContext#training()}: it trains a
 * copy of a model, with a {@link Regularizer}'s parameters and penalty, on the context's scoring
 * data, with the host's optimizer, learning-rate schedule, data augmentation and checkpoints. The
 * model itself is never changed, and the trained copy is discarded: what the scorer keeps are its
 * regularizer's parameters, trained in place.
 *
 * <p>A scorer typically builds its parameters at their initial values, calls {@link #train} and
 * scores from the trained values. Given a work directory, a run killed part-way and started again
 * with the same spec and recipe resumes from the last finished epoch and ends where an
 * uninterrupted run would; the parameters' initial values are then replaced by the checkpoint's.
 */
public interface ModelTraining {
    /**
     * Trains a copy of {@code model} as {@code spec} asks, with {@code regularizer}, reporting
     * every finished epoch to {@code progress} (done of total epochs). Fails with an
     * {@link InvalidInputException} for a model the host cannot train, bad parameters, or a work
     * directory made with another spec or recipe.
     */
    void train(PrunableModel model, TrainingSpec spec, Regularizer regularizer, ProgressListener progress);
}
