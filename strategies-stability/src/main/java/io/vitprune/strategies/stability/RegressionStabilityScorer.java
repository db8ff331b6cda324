package io.vitprune.strategies.stability;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * Regression stability (methods.md 4.3, the seed paper's method). With {@code L_CE(u)} and
 * {@code L_KL(u)} of every unit masked alone, fit {@code L_KL ~ a + b * L_CE} by least squares over
 * the units of the scope (one block, or all blocks), and score
 * {@code L_CE(u) - |a + b * L_CE(u) - L_KL(u)|}: a unit whose two losses disagree about its
 * importance (a large residual) is unstable and scores lower.
 *
 * <p>This module depends on {@code strategies-distill} on purpose: the losses are exactly those
 * that {@code kd-importance} combines, and measuring them is the expensive, carefully tested part.
 * Composing the distill module's {@link AblationEngine} keeps one implementation of it, so the two
 * scorers always rank from the same numbers, rather than a copy that could drift.
 */
record RegressionStabilityScorer(Scope scope, AblationEngine engine) implements Scorer {
    RegressionStabilityScorer {
        requireNonNull(scope, "scope is null");
        requireNonNull(engine, "engine is null");
    }

    @Override
    public Set<UnitKind> supportedKinds() {
        return AblationEngine.KINDS;
    }

    @Override
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        requireNonNull(kind, "kind is null");
        requireNonNull(context, "context is null");
        requireSupported(RegressionStabilityScorerFactory.NAME, kind);
        AblationLosses losses = engine.measure(model, kind, context.requireData(RegressionStabilityScorerFactory.NAME), context.batchSize(),
                context.progress());
        return scores(losses, scope);
    }

    /** The stability score of every unit, from its losses, with one fit per block or one for all. */
    static UnitScores scores(AblationLosses losses, Scope scope) {
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
