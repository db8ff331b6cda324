package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleBinaryOperator;

/**
 * The losses of the model with one unit masked alone, for every unit of one kind: per block, one
 * {@code L_CE} against the labels, one {@code L_KL} and one cross-entropy against the teacher's
 * probabilities per unit (methods.md 4.2, 4.3), each a mean over {@code images} scoring images.
 * Immutable: arrays are copied in and out.
 */
public record AblationLosses(UnitKind kind, int images, List<double[]> crossEntropy, List<double[]> kl, List<double[]> teacherCrossEntropy) {
    public AblationLosses {
        requireNonNull(kind, "kind is null");
        if (images <= 0) {
            throw new InvalidInputException("ablation losses over " + images + " images: expected at least one");
        }
        if (crossEntropy == null || kl == null || teacherCrossEntropy == null) {
            // What a file of an older vitprune, without the teacher cross-entropy, reads as.
            throw new InvalidInputException("ablation losses of " + kind.id() + " units without " + (crossEntropy == null ? "cross-entropy"
                    : kl == null ? "KL" : "teacher cross-entropy") + " losses: expected all three (measure them again with this version)");
        }
        if (crossEntropy.size() != kl.size() || teacherCrossEntropy.size() != kl.size()) {
            throw new InvalidInputException("ablation losses for " + crossEntropy.size() + " blocks of cross-entropy, " + kl.size()
                    + " of KL and " + teacherCrossEntropy.size() + " of teacher cross-entropy: expected one of each per block");
        }
        for (int b = 0; b < kl.size(); b++) {
            if (crossEntropy.get(b).length != kl.get(b).length || teacherCrossEntropy.get(b).length != kl.get(b).length) {
                throw new InvalidInputException("block " + b + " has " + crossEntropy.get(b).length + " cross-entropy, " + kl.get(b).length
                        + " KL and " + teacherCrossEntropy.get(b).length + " teacher cross-entropy losses: expected one of each per unit");
            }
        }
        crossEntropy = copy(crossEntropy);
        kl = copy(kl);
        teacherCrossEntropy = copy(teacherCrossEntropy);
    }

    /**
     * The losses over the images of this measurement and of {@code other} together (the mean weighted
     * by their image counts): measuring two disjoint halves and pooling them gives the losses of the
     * whole set, and the halves still give its split-half reliability.
     */
    public AblationLosses pooled(AblationLosses other) {
        requireNonNull(other, "other losses are null");
        if (other.kind != kind || other.blocks() != blocks()) {
            throw new IllegalArgumentException("pooling losses of " + kind.id() + " x " + blocks() + " blocks with " + other.kind.id() + " x "
                    + other.blocks() + ": expected the same units");
        }
        double w = (double) images / (images + other.images);
        DoubleBinaryOperator mean = (a, b) -> w * a + (1 - w) * b;
        return new AblationLosses(kind, images + other.images, elementwise(crossEntropy, other.crossEntropy, mean),
                elementwise(kl, other.kl, mean), elementwise(teacherCrossEntropy, other.teacherCrossEntropy, mean));
    }

    public int blocks() {
        return kl.size();
    }

    /** {@code L_CE} against the labels of every unit of {@code block}. */
    public double[] crossEntropy(int block) {
        return crossEntropy.get(block).clone();
    }

    /** {@code L_KL} of every unit of {@code block}. */
    public double[] kl(int block) {
        return kl.get(block).clone();
    }

    /** The cross-entropy against the teacher's probabilities of every unit of {@code block}. */
    public double[] teacherCrossEntropy(int block) {
        return teacherCrossEntropy.get(block).clone();
    }

    /** {@code L_CE} of every unit of {@code block} against {@code target}. */
    public double[] crossEntropy(CeTarget target, int block) {
        return target == CeTarget.TEACHER ? teacherCrossEntropy(block) : crossEntropy(block);
    }

    /** {@code L_CE} against {@code target}, per block. */
    public List<double[]> crossEntropy(CeTarget target) {
        return target == CeTarget.TEACHER ? teacherCrossEntropy() : crossEntropy();
    }

    @Override
    public List<double[]> crossEntropy() {
        return copy(crossEntropy);
    }

    @Override
    public List<double[]> kl() {
        return copy(kl);
    }

    @Override
    public List<double[]> teacherCrossEntropy() {
        return copy(teacherCrossEntropy);
    }

    /** The kd-importance score {@code L_CE + alpha * L_KL} of every unit (one measurement can serve several scorers). */
    public UnitScores kdImportance(double alpha, CeTarget target) {
        return combine(crossEntropy(target), (crossEntropy, kl) -> crossEntropy + alpha * kl);
    }

    /** The kl-importance score {@code L_KL} of every unit. */
    public UnitScores klImportance() {
        return combine(crossEntropy, (crossEntropy, kl) -> kl);
    }

    private UnitScores combine(List<double[]> crossEntropy, DoubleBinaryOperator score) {
        List<float[]> scores = new ArrayList<>();
        for (int b = 0; b < blocks(); b++) {
            float[] block = new float[kl.get(b).length];
            for (int u = 0; u < block.length; u++) {
                block[u] = (float) score.applyAsDouble(crossEntropy.get(b)[u], kl.get(b)[u]);
            }
            scores.add(block);
        }
        return new UnitScores(kind, scores);
    }

    private static List<double[]> elementwise(List<double[]> first, List<double[]> second, DoubleBinaryOperator operator) {
        List<double[]> result = new ArrayList<>();
        for (int b = 0; b < first.size(); b++) {
            double[] block = new double[first.get(b).length];
            for (int u = 0; u < block.length; u++) {
                block[u] = operator.applyAsDouble(first.get(b)[u], second.get(b)[u]);
            }
            result.add(block);
        }
        return result;
    }

    private static List<double[]> copy(List<double[]> perBlock) {
        return perBlock.stream().map(double[]::clone).toList();
    }
}
