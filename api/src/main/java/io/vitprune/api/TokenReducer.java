package io.vitprune.api;

import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * Reduces a ViT's tokens during its forward pass, per image: keeps some patch tokens and drops or
 * merges the others. The host asks at two points of every block ({@link TokenState.Point}), applies
 * the {@link TokenReduction} it gets back and keeps the class token first, never dropped or merged.
 * A merged token stands for several: the host keeps each token's size (how many patches it
 * averages) and adds {@code log(size)} of every key to the attention logits (proportional
 * attention), so that a merged token draws the attention its parts would.
 *
 * <p>Arrays are computed inside the caller's NDManager scope.
 */
public interface TokenReducer extends AutoCloseable {
    /**
     * Patch tokens left after reducing {@code patchTokens} at {@code point} of {@code block}
     * (equal to {@code patchTokens} where this reducer does nothing). The same for every image, so
     * that a batch stays one rectangular tensor; the host checks every reduction against it and
     * counts MACs with it.
     */
    int patchTokensAfter(TokenState.Point point, int block, int patchTokens);

    /** The reduction at {@code state}: called only where {@link #patchTokensAfter} is below the patch tokens entering. */
    TokenReduction reduce(TokenState state);

    /** Whether {@link TokenState#classAttention()} is needed at the input of block {@code block}; computing it costs, so it is only done when asked. */
    default boolean needsClassAttention(int block) {
        return false;
    }

    /** Learned parameters by stable, unique names (empty for a reducer that learns nothing). */
    default Map<String, Parameter> parameters() {
        return Map.of();
    }

    /** Multiply-accumulates per image of deciding the reduction at {@code point} of {@code block} on {@code patchTokens} tokens (for model statistics). */
    default long macsPerImage(TokenState.Point point, int block, int patchTokens) {
        return 0;
    }

    /** Frees the parameters, if any. */
    @Override
    default void close() {
    }
}
