package io.vitprune.core.data;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ScoringData;

/** CIFAR-10 images (normalised, not augmented) as scoring data for data-driven scorers. */
public record Cifar10ScoringData(Cifar10 images) implements ScoringData {
    @Override
    public int size() {
        return images.size();
    }

    @Override
    public NDList batch(NDManager manager, int from, int to) {
        return Batches.batch(images, Batches.identity(images.size()), from, to, null, manager);
    }
}
