package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link TokenReducer} sees at one point of one block.
 *
 * @param point where in the block
 * @param block the block's index
 * @param patches the model's number of patches (before any reduction)
 * @param tokens (batch, 1 + n, dim), class token first, n patch tokens
 * @param sizes (batch, 1 + n) how many patches each token stands for; null while no token was merged (every size 1)
 * @param keys (batch, 1 + n, attention width) the block's attention keys, every head's side by side (heads may
 *     differ in width); at {@link Point#BEFORE_MLP} only, else null
 * @param classAttention (batch, 1 + n) the class token's attention in the block before, averaged over heads;
 *     at {@link Point#BLOCK_INPUT} only and only when the reducer {@linkplain TokenReducer#needsClassAttention asks}, else null
 */
public record TokenState(Point point, int block, int patches, NDArray tokens, NDArray sizes, NDArray keys, NDArray classAttention) {
    /** The two points of a pre-norm block {@code x + Attn(LN(x))}, {@code x + MLP(LN(x))} where tokens may be reduced. */
    public enum Point {
        /** Before the block's attention: the tokens the block gets (token pruning, as in DynamicViT). */
        BLOCK_INPUT,
        /** After the attention's residual, before the MLP (token merging, as in ToMe). */
        BEFORE_MLP
    }

    public TokenState {
        requireNonNull(point, "point is null");
        requireNonNull(tokens, "tokens are null");
    }

    /** Number of patch tokens in {@link #tokens()}. */
    public int patchTokens() {
        return (int) tokens.getShape().get(1) - 1;
    }
}
