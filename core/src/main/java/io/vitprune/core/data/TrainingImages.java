package io.vitprune.core.data;

/**
 * Labelled images a training run walks epoch by epoch, already preprocessed for the model: CIFAR-10
 * or an {@link ImageFolder}.
 */
public interface TrainingImages {
    int size();

    /** One pass in {@code order}: in order, or shuffled and augmented with the order's seed. */
    Batches.Epoch epoch(int batchSize, Batches.Order order);

    /** How these images are preprocessed: a model must expect the same. */
    Preprocessing preprocessing();

    /** The SHA-256 (hex) of the images and labels: what a run's record keeps, so that a resume on other data is refused. */
    String identity();

    /** Fails unless a model expecting {@code expected} may be fed these images; {@code use} says what for. */
    default void requireFeeds(Preprocessing expected, String use) {
        if (!expected.equals(preprocessing())) {
            throw new io.vitprune.api.InvalidInputException("a model that expects images preprocessed as " + expected + " cannot be " + use
                    + ": these images are preprocessed as " + preprocessing());
        }
    }
}
