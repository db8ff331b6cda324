package io.vitprune.api;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;

/** A labelled set of images for data-driven scorers, drawn from the training split. */
public interface ScoringData {
    int size();

    /** Images {@code [from, to)} as {normalised images (n, 3, H, W) float32, labels (n) int64}. */
    NDList batch(NDManager manager, int from, int to);
}
