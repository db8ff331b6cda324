package io.vitprune.strategies.stability;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import java.util.Optional;

/**
 * Regression stability (methods.md 4.3, the seed paper's method). With {@code L_CE(u)} and
 * {@code L_KL(u)} of every unit masked alone, fit {@code L_KL ~ a + b * L_CE} by least squares over
 * the units of the scope (one block, or all blocks), and score
 * {@code L_CE(u) - |a + b * L_CE(u) - L_KL(u)|}: a unit whose two losses disagree about its
 * importance (a large residual) is unstable and scores lower. {@code L_CE} is measured against
 * {@code target} (see {@link CeTarget}). Without a {@code scope} the fit follows the selector: one
 * per block when it {@linkplain ScoringContext#ranksAcrossBlocks() compares scores only within a
 * block} (uniform), one over all blocks when it ranks them together (global).
 *
 * <p>This module depends on {@code strategies-distill} on purpose: the losses are exactly those
 * that {@code kd-importance} combines, and measuring them is the expensive, carefully tested part.
 * Composing the distill module's {@link AblationEngine} keeps one implementation of it, so the two
 * scorers always rank from the same numbers, rather than a copy that could drift.
 */
record RegressionStabilityScorer(Optional<Scope> scope, CeTarget target, AblationEngine engine) implements Scorer {
    RegressionStabilityScorer {
        requireNonNull(scope, "scope is null");
        requireNonNull(target, "target is null");
        requireNonNull(engine, "engine is null");
    }

    @Override
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        requireNonNull(kind, "kind is null");
        requireNonNull(context, "context is null");
        AblationLosses losses = engine.measure(model, kind, context.requireData(RegressionStabilityScorerFactory.NAME), context.batchSize(),
                context.progress(), context.checkpoints());
        return StabilityScores.of(losses, scope.orElse(context.ranksAcrossBlocks() ? Scope.GLOBAL : Scope.BLOCK), target);
    }
}
