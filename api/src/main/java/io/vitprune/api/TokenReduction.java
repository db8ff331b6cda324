package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link TokenReducer} does to n patch tokens, per image; the class token is always kept,
 * first, and never merged. Indices are int64 and count patch tokens only (0 is the first patch
 * token after the class token).
 *
 * @param kept (batch, k) the patch tokens that stay, in the order they will have
 * @param merged (batch, m) patch tokens, not in {@code kept}, merged away; null when none is (tokens not kept are dropped)
 * @param into (batch, m) for each of {@code merged}, the position in {@code kept} (0..k-1) of the token it merges into:
 *     the result is the size-weighted average of the token and everything merged into it, and their sizes add
 */
public record TokenReduction(NDArray kept, NDArray merged, NDArray into) {
    public TokenReduction {
        requireNonNull(kept, "kept is null");
        if ((merged == null) != (into == null)) {
            throw new IllegalArgumentException("merged and into: expected both or neither");
        }
        if (merged != null && !merged.getShape().equals(into.getShape())) {
            throw new IllegalArgumentException("merged of shape " + merged.getShape() + " and into of shape " + into.getShape() + ": expected the same shape");
        }
    }

    /** Keeps {@code kept} and drops every other patch token. */
    public static TokenReduction keep(NDArray kept) {
        return new TokenReduction(kept, null, null);
    }

    /** Keeps {@code kept} and merges each of {@code merged} into the kept token at {@code into}. */
    public static TokenReduction merge(NDArray kept, NDArray merged, NDArray into) {
        return new TokenReduction(kept, requireNonNull(merged, "merged is null"), requireNonNull(into, "into is null"));
    }
}
