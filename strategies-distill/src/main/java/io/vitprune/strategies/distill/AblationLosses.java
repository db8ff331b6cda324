package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.ArrayList;
import java.util.List;

/**
 * The losses of the model with one unit masked alone, for every unit of one kind: per block, one
 * {@code L_CE} and one {@code L_KL} per unit (methods.md 4.2), each a mean over {@code images}
 * scoring images. Immutable: arrays are copied in and out.
 */
public record AblationLosses(UnitKind kind, int images, List<double[]> crossEntropy, List<double[]> kl) {
    public AblationLosses {
        requireNonNull(kind, "kind is null");
        if (images <= 0) {
            throw new InvalidInputException("ablation losses over " + images + " images: expected at least one");
        }
        if (crossEntropy.size() != kl.size()) {
            throw new InvalidInputException("ablation losses for " + crossEntropy.size() + " blocks of cross-entropy and "
                    + kl.size() + " of KL: expected one of each per block");
        }
        for (int b = 0; b < crossEntropy.size(); b++) {
            if (crossEntropy.get(b).length != kl.get(b).length) {
                throw new InvalidInputException("block " + b + " has " + crossEntropy.get(b).length + " cross-entropy losses and "
                        + kl.get(b).length + " KL losses: expected one of each per unit");
            }
        }
        crossEntropy = copy(crossEntropy);
        kl = copy(kl);
    }

    public int blocks() {
        return crossEntropy.size();
    }

    /** {@code L_CE} of every unit of {@code block}. */
    public double[] crossEntropy(int block) {
        return crossEntropy.get(block).clone();
    }

    /** {@code L_KL} of every unit of {@code block}. */
    public double[] kl(int block) {
        return kl.get(block).clone();
    }

    @Override
    public List<double[]> crossEntropy() {
        return copy(crossEntropy);
    }

    @Override
    public List<double[]> kl() {
        return copy(kl);
    }

    /** The kd-importance score {@code L_CE + alpha * L_KL} of every unit (one measurement can serve several scorers). */
    public UnitScores kdImportance(double alpha) {
        List<float[]> scores = new ArrayList<>();
        for (int b = 0; b < blocks(); b++) {
            double[] crossEntropy = crossEntropy(b);
            double[] kl = kl(b);
            float[] block = new float[crossEntropy.length];
            for (int u = 0; u < block.length; u++) {
                block[u] = (float) (crossEntropy[u] + alpha * kl[u]);
            }
            scores.add(block);
        }
        return new UnitScores(kind, scores);
    }

    private static List<double[]> copy(List<double[]> perBlock) {
        return perBlock.stream().map(double[]::clone).toList();
    }
}
