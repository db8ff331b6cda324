package io.vitprune.api;

import ai.djl.ndarray.NDManager;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything a scorer may use besides the model: the scoring data (absent for data-free scorers
 * such as weight magnitude), a manager on the chosen device for temporary arrays, a seed, the batch
 * size to use, where to report progress, where to keep partial results of long scoring, and
 * whether the selector that will use the scores {@linkplain Selector#ranksAcrossBlocks() ranks them
 * across blocks} ({@code true} unless the host says otherwise, as {@code Pruning.plan} does from its selector).
 *
 * <p>A learned scorer trains through {@link #training()}: the host's {@link ModelTraining} on these
 * scoring data, absent where the host cannot train on them (vitprune's core offers it for its own
 * models and CIFAR-10 training images).
 */
public record ScoringContext(Optional<ScoringData> data, NDManager manager, long seed, int batchSize, ProgressListener progress,
        ScoringCheckpoints checkpoints, boolean ranksAcrossBlocks, Optional<ModelTraining> training) {
    public ScoringContext {
        Objects.requireNonNull(data, "data is null");
        Objects.requireNonNull(manager, "manager is null");
        Objects.requireNonNull(progress, "progress is null");
        Objects.requireNonNull(checkpoints, "checkpoints is null");
        Objects.requireNonNull(training, "training is null");
        if (batchSize <= 0) {
            throw new InvalidInputException("scoring batch size " + batchSize + ": expected > 0");
        }
    }

    /** A context without training. */
    public ScoringContext(Optional<ScoringData> data, NDManager manager, long seed, int batchSize, ProgressListener progress,
            ScoringCheckpoints checkpoints, boolean ranksAcrossBlocks) {
        this(data, manager, seed, batchSize, progress, checkpoints, ranksAcrossBlocks, Optional.empty());
    }

    /** A context for scores that may be ranked across blocks. */
    public ScoringContext(Optional<ScoringData> data, NDManager manager, long seed, int batchSize, ProgressListener progress,
            ScoringCheckpoints checkpoints) {
        this(data, manager, seed, batchSize, progress, checkpoints, true);
    }

    /** A context that keeps no partial results. */
    public ScoringContext(Optional<ScoringData> data, NDManager manager, long seed, int batchSize, ProgressListener progress) {
        this(data, manager, seed, batchSize, progress, ScoringCheckpoints.NONE);
    }

    /** This context keeping partial results in {@code store}. */
    public ScoringContext withCheckpoints(ScoringCheckpoints store) {
        return new ScoringContext(data, manager, seed, batchSize, progress, store, ranksAcrossBlocks, training);
    }

    /** This context for scores that {@code selector} will compare. */
    public ScoringContext forSelector(Selector selector) {
        return new ScoringContext(data, manager, seed, batchSize, progress, checkpoints, selector.ranksAcrossBlocks(), training);
    }

    /** This context offering {@code hostTraining}. */
    public ScoringContext withTraining(ModelTraining hostTraining) {
        return new ScoringContext(data, manager, seed, batchSize, progress, checkpoints, ranksAcrossBlocks, Optional.of(hostTraining));
    }

    /** A context without data, for data-free scorers. */
    public static ScoringContext dataFree(NDManager manager) {
        return new ScoringContext(Optional.empty(), manager, 0, 1, ProgressListener.NONE);
    }

    public ScoringData requireData(String scorer) {
        return data.orElseThrow(() -> new InvalidInputException("scorer '" + scorer + "' needs scoring data (labelled images from the training split): none was given"));
    }

    /** The host's training, or a refusal naming {@code scorer}. */
    public ModelTraining requireTraining(String scorer) {
        return training.orElseThrow(() -> new InvalidInputException("scorer '" + scorer + "' trains a copy of the model: the host offers "
                + "no training for this model and these scoring data"));
    }
}
