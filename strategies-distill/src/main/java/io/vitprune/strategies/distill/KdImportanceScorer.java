package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.Set;

/**
 * Knowledge-distillation importance (methods.md 4.2, after Yu et al. 2021): a unit scores
 * {@code L_CE + alpha * L_KL} of the model with that unit alone masked, both measured by the
 * {@link AblationEngine} on the scoring data. A unit whose removal raises the loss matters: higher
 * loss, higher score, kept first. Losses are means over the same images in every block, so scores
 * are comparable across blocks and suit the global selector as they are.
 */
record KdImportanceScorer(double alpha, AblationEngine engine) implements Scorer {
    KdImportanceScorer {
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
        requireSupported(KdImportanceScorerFactory.NAME, kind);
        AblationLosses losses = engine.measure(model, kind, context.requireData(KdImportanceScorerFactory.NAME), context.batchSize(),
                context.progress(), context.checkpoints());
        return losses.kdImportance(alpha);
    }

}
