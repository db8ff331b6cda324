package io.vitprune.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** A labelled set of images for data-driven scorers, drawn from the training split. */
public interface ScoringData {
    int size();

    /** Images {@code [from, to)} as {normalised images (n, 3, H, W) float32, labels (n) int64}. */
    NDList batch(NDManager manager, int from, int to);

    /**
     * Scoring data from arrays already in memory: {@code images} (n, 3, H, W), normalised as the
     * model expects, and {@code labels} (n) of class indices. Both are copied to the heap, so the
     * result does not depend on the arrays' manager staying open.
     */
    static ScoringData of(NDArray images, NDArray labels) {
        return InMemoryScoringData.copyOf(images, labels);
    }
}
