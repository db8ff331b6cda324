package io.vitprune.api;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * How much should each patch token be kept? Dynamic: scores are computed per image inside the
 * forward pass, at every stage of a {@link TokenPruning}. Higher scores are kept first. The class
 * token is never scored: it is always kept.
 *
 * <p>A learned scorer (DynamicViT's prediction modules) owns parameters; they are saved and loaded
 * with the model by name. Scores are computed inside the caller's NDManager scope.
 */
public interface TokenScorer extends AutoCloseable {
    /** One keep score per patch token of {@code stage.tokens()}: (batch, n). */
    NDArray score(TokenStage stage);

    /** Whether {@link #score} needs {@link TokenStage#classAttention()}; computing it costs, so it is only done when asked. */
    default boolean needsClassAttention() {
        return false;
    }

    /** Learned parameters by stable, unique names (empty for a scorer that learns nothing); saved with the model. */
    default Map<String, Parameter> parameters() {
        return Map.of();
    }

    /** Multiply-accumulates per image of scoring {@code patchTokens} patch tokens at stage {@code stage} (for model statistics). */
    default long macsPerImage(int stage, int patchTokens) {
        return 0;
    }

    /** Frees the parameters, if any. */
    @Override
    default void close() {
    }
}
