package io.vitprune.strategies.stability;

import io.vitprune.api.UnitScores;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The regression-stability score (methods.md 4.3) from measured ablation losses: fit
 * {@code L_KL ~ a + b * L_CE} over the units in scope, score {@code L_CE - |a + b * L_CE - L_KL|}.
 * Public so that one measurement of the losses can serve both scopes, both cross-entropy targets and
 * kd-importance. With {@link CeTarget#TEACHER}, {@code L_CE = H(teacher) + L_KL} exactly, the fit is
 * {@code L_KL = L_CE - H} with no residual, and the score ranks as {@code L_KL}.
 */
public final class StabilityScores {
    private StabilityScores() {
    }

    /** The score of every unit, with one fit per block or one over all blocks, {@code L_CE} against {@code target}. */
    public static UnitScores of(AblationLosses losses, Scope scope, CeTarget target) {
        List<Line> fits = new ArrayList<>();
        if (scope == Scope.GLOBAL) {
            Line global = Line.fit(concatenate(losses.crossEntropy(target)), concatenate(losses.kl()));
            losses.kl().forEach(block -> fits.add(global));
        } else {
            for (int b = 0; b < losses.blocks(); b++) {
                fits.add(Line.fit(losses.crossEntropy(target, b), losses.kl(b)));
            }
        }
        List<float[]> scores = new ArrayList<>();
        for (int b = 0; b < losses.blocks(); b++) {
            double[] crossEntropy = losses.crossEntropy(target, b);
            double[] kl = losses.kl(b);
            float[] block = new float[crossEntropy.length];
            for (int u = 0; u < block.length; u++) {
                block[u] = (float) (crossEntropy[u] - Math.abs(fits.get(b).at(crossEntropy[u]) - kl[u]));
            }
            scores.add(block);
        }
        return new UnitScores(losses.kind(), scores);
    }

    private static double[] concatenate(List<double[]> perBlock) {
        return perBlock.stream().flatMapToDouble(Arrays::stream).toArray();
    }
}
