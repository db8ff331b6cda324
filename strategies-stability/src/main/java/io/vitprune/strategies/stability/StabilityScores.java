package io.vitprune.strategies.stability;

import io.vitprune.api.UnitScores;
import io.vitprune.strategies.distill.AblationLosses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The regression-stability score (methods.md 4.3) from measured ablation losses: fit
 * {@code L_KL ~ a + b * L_CE} over the units in scope, score {@code L_CE - |a + b * L_CE - L_KL|}.
 * Public so that one measurement of the losses can serve both scopes and kd-importance.
 */
public final class StabilityScores {
    private StabilityScores() {
    }

    /** The score of every unit, with one fit per block or one over all blocks. */
    public static UnitScores of(AblationLosses losses, Scope scope) {
        List<Line> fits = new ArrayList<>();
        if (scope == Scope.GLOBAL) {
            Line global = Line.fit(concatenate(losses.crossEntropy()), concatenate(losses.kl()));
            losses.crossEntropy().forEach(block -> fits.add(global));
        } else {
            for (int b = 0; b < losses.blocks(); b++) {
                fits.add(Line.fit(losses.crossEntropy(b), losses.kl(b)));
            }
        }
        List<float[]> scores = new ArrayList<>();
        for (int b = 0; b < losses.blocks(); b++) {
            double[] crossEntropy = losses.crossEntropy(b);
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
