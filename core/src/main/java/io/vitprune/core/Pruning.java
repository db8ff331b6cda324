package io.vitprune.core;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.Selector;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.registry.RegisteredScorer;
import io.vitprune.core.train.HostTraining;

/**
 * Composes a scorer and a selector into a plan, checking what plug-ins return; {@code Surgery.apply}
 * turns the plan into a smaller model. Scoring and selecting are also offered apart, so that one
 * (possibly expensive) scoring serves several selectors and ratios.
 */
public final class Pruning {
    private Pruning() {
    }

    /**
     * Scores every unit of the target's kind and selects; the scorer learns from the context
     * whether the selector {@linkplain Selector#ranksAcrossBlocks() ranks across blocks}.
     */
    public static PruningPlan plan(PrunableModel model, Scorer scorer, Selector selector, PruningTarget target, ScoringContext context) {
        return select(model, score(model, scorer, target.kind(), context.forSelector(selector)), selector, target);
    }

    /**
     * The scorer's scores for {@code kind}, checked to be of that kind with one finite score per unit
     * of the model. The scorer is offered {@link HostTraining} when the model is a vitprune
     * {@code VisionTransformer} and the data are CIFAR-10 training images.
     */
    public static UnitScores score(PrunableModel model, Scorer scorer, UnitKind kind, ScoringContext givenContext) {
        ScoringContext context = HostTraining.offer(model, givenContext);
        String name = scorer instanceof RegisteredScorer registered ? "scorer '" + registered.name() + "'" : "scorer " + scorer.getClass().getName();
        UnitScores scores;
        try {
            scores = scorer.score(model, kind, context);
        } catch (InvalidInputException e) {
            // Also what a plug-in meets when it builds UnitScores with a NaN: say whose scores they were.
            throw e.getMessage() != null && e.getMessage().startsWith(name) ? e : new InvalidInputException(name + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new IllegalStateException(name + " failed while scoring " + kind.id() + " units: " + e, e);
        }
        if (scores == null || scores.kind() != kind) {
            throw new InvalidInputException(name + " returned " + (scores == null ? "no scores" : scores.kind().id() + " scores")
                    + ": expected " + kind.id() + " scores");
        }
        try {
            scores.requireMatches(model.structure());
        } catch (InvalidInputException e) {
            throw new InvalidInputException(name + " returned " + e.getMessage(), e);
        }
        return scores;
    }

    /** The selector's plan for {@code scores}, checked to fit the model. */
    public static PruningPlan select(PrunableModel model, UnitScores scores, Selector selector, PruningTarget target) {
        scores.requireMatches(model.structure());
        PruningPlan plan = selector.select(scores, model.structure(), target);
        plan.requireSource(model.structure());
        int units = model.structure().totalUnits(target.kind());
        if (units > 0 && plan.removedFraction(target.kind()) == 0) {
            // Asked to prune, and the result would be the model itself: say so instead of saving a copy.
            throw new InvalidInputException("selector " + selector.getClass().getName() + " removes none of the " + units + " "
                    + target.kind().id() + " units at pruning ratio " + target.ratio() + ": expected about " + Math.round(target.ratio() * units)
                    + " removed (does a setting such as min-kept keep every unit, or is the ratio too small for these blocks?)");
        }
        return plan;
    }
}
