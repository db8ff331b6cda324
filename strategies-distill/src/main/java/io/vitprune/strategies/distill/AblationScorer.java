package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.function.Function;

/**
 * A scorer that measures every unit's ablation losses with the {@link AblationEngine} on the
 * scoring data and scores them by {@code criterion} ({@code kd-importance}, {@code kl-importance}).
 * A unit whose removal raises the loss matters: higher loss, higher score, kept first. Losses are
 * means over the same images in every block, so such scores are comparable across blocks.
 */
record AblationScorer(String name, AblationEngine engine, Function<AblationLosses, UnitScores> criterion) implements Scorer {
    AblationScorer {
        requireNonNull(name, "name is null");
        requireNonNull(engine, "engine is null");
        requireNonNull(criterion, "criterion is null");
    }

    @Override
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        requireNonNull(kind, "kind is null");
        requireNonNull(context, "context is null");
        return criterion.apply(engine.measure(model, kind, context.requireData(name), context.batchSize(), context.progress(), context.checkpoints()));
    }
}
