package io.vitprune.core;

import io.vitprune.api.PrunableModel;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.Selector;
import io.vitprune.api.UnitScores;

/** Composes a scorer and a selector into a plan; {@code Surgery.apply} turns the plan into a smaller model. */
public final class Pruning {
    private Pruning() {
    }

    /** Scores every unit of the target's kind, checks the scores fit the model, and selects. */
    public static PruningPlan plan(PrunableModel model, Scorer scorer, Selector selector, PruningTarget target, ScoringContext context) {
        UnitScores scores = scorer.score(model, target.kind(), context);
        if (scores.kind() != target.kind()) {
            throw new io.vitprune.api.InvalidInputException("scorer returned " + scores.kind().id() + " scores: expected "
                    + target.kind().id());
        }
        scores.requireMatches(model.structure());
        PruningPlan plan = selector.select(scores, model.structure(), target);
        plan.requireSource(model.structure());
        return plan;
    }
}
