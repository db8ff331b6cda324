package io.vitprune.api;

import ai.djl.ndarray.NDArray;

/** Which patch tokens stay at a stage, per image, given their keep scores. */
public interface TokenSelector {
    /**
     * Indices of the kept patch tokens: (batch, keep), int64, each in [0, n) where {@code scores} is
     * (batch, n). {@code keep} is the same for every image (1 <= keep <= n). The class token is not
     * among the scores: it is always kept.
     */
    NDArray select(NDArray scores, int keep);

    /** Fails unless 1 <= keep <= the number of scored tokens. */
    static void requireKeep(NDArray scores, int keep) {
        if (scores.getShape().dimension() != 2) {
            throw new InvalidInputException("token scores of shape " + scores.getShape() + ": expected (batch, tokens)");
        }
        long n = scores.getShape().get(1);
        if (keep < 1 || keep > n) {
            throw new InvalidInputException("keep " + keep + " of " + n + " tokens: expected 1 <= keep <= " + n);
        }
    }
}
