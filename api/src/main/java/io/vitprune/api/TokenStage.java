package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;

/**
 * What a {@link TokenScorer} sees at one pruning stage.
 *
 * @param stage 0-based index of the stage in {@link TokenPruning#stages()}
 * @param block the block this stage precedes
 * @param patches the model's number of patches (before any pruning)
 * @param tokens the tokens entering {@code block}: (batch, 1 + n, dim), class token first, n patch tokens
 * @param policy (batch, n) keep decisions (1 kept, 0 dropped) of the n patch tokens when dropped tokens are
 *     still in {@code tokens} (training with masked attention); null when every token in {@code tokens} is kept
 * @param classAttention (batch, 1 + n) attention of the class token over every token in the block before,
 *     averaged over heads; null unless the scorer {@linkplain TokenScorer#needsClassAttention() asks} for it
 */
public record TokenStage(int stage, int block, int patches, NDArray tokens, NDArray policy, NDArray classAttention) {
    public TokenStage {
        requireNonNull(tokens, "tokens are null");
    }

    /** Number of patch tokens in {@link #tokens()}. */
    public int patchTokens() {
        return (int) tokens.getShape().get(1) - 1;
    }
}
