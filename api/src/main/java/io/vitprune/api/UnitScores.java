package io.vitprune.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * One importance score per unit of one kind, per block; higher means more important (kept first).
 * Immutable: arrays are copied in and out.
 */
public final class UnitScores {
    private final UnitKind kind;
    private final List<float[]> perBlock;

    public UnitScores(UnitKind kind, List<float[]> perBlock) {
        this.kind = Objects.requireNonNull(kind, "kind is null");
        List<float[]> copy = new ArrayList<>(perBlock.size());
        for (int b = 0; b < perBlock.size(); b++) {
            float[] scores = perBlock.get(b);
            for (int i = 0; i < scores.length; i++) {
                if (!Float.isFinite(scores[i])) {
                    throw new InvalidInputException("score of " + kind.id() + " " + i + " in block " + b
                            + " is " + scores[i] + ": expected a finite number");
                }
            }
            copy.add(scores.clone());
        }
        this.perBlock = List.copyOf(copy);
    }

    public UnitKind kind() {
        return kind;
    }

    public int blocks() {
        return perBlock.size();
    }

    public float[] block(int index) {
        return perBlock.get(index).clone();
    }

    /** Checks that there is exactly one score per unit of {@code structure}. */
    public void requireMatches(ModelStructure structure) {
        if (perBlock.size() != structure.depth()) {
            throw new InvalidInputException(kind.id() + " scores for " + perBlock.size() + " blocks: expected "
                    + structure.depth() + " (one per block of the model)");
        }
        for (int b = 0; b < perBlock.size(); b++) {
            int expected = structure.block(b).units(kind);
            if (perBlock.get(b).length != expected) {
                throw new InvalidInputException(kind.id() + " scores of block " + b + " have length "
                        + perBlock.get(b).length + ": expected " + expected + " (one per unit)");
            }
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("UnitScores[" + kind.id());
        for (float[] scores : perBlock) {
            text.append(", ").append(scores.length).append(" units ").append(Arrays.toString(Arrays.copyOf(scores, Math.min(4, scores.length))));
        }
        return text.append(']').toString();
    }
}
