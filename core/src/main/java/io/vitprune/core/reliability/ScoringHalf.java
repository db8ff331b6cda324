package io.vitprune.core.reliability;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ScoringData;

/**
 * Every second image of {@code data}, starting at image {@code half} (0 or 1): two such halves are
 * disjoint, cover the set, and are the same on every run. Interleaved rather than cut in the
 * middle, so that a set in some order (by class, by source) splits into two alike halves.
 */
record ScoringHalf(ScoringData data, int half) implements ScoringData {
    ScoringHalf {
        requireNonNull(data, "data is null");
        if (half != 0 && half != 1) {
            throw new IllegalArgumentException("half " + half + ": expected 0 or 1");
        }
    }

    @Override
    public int size() {
        return (data.size() - half + 1) / 2;
    }

    @Override
    public NDList batch(NDManager manager, int from, int to) {
        if (from < 0 || from >= to || to > size()) {
            throw new IllegalArgumentException("images [" + from + ", " + to + ") of a half of " + size() + " images");
        }
        try (NDManager span = manager.newSubManager()) {
            NDList every = data.batch(span, half + 2 * from, half + 2 * (to - 1) + 1);
            NDList chosen = new NDList();
            for (NDArray array : every) {
                chosen.add(array.get("::2"));
            }
            chosen.attach(manager);
            return chosen;
        }
    }
}
