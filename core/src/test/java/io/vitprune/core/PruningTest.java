package io.vitprune.core;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.StructureOnlyModel;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Pruning.plan tells the scorer how the selector will compare its scores. */
class PruningTest {
    private static final PrunableModel MODEL = new StructureOnlyModel(new ModelStructure(8, Collections.nCopies(2, BlockStructure.uniform(2, 4, 6))));

    /** Scores MLP unit i of every block i, and remembers what each context said about the selector. */
    private record Recording(List<Boolean> ranksAcrossBlocks) implements Scorer {
        @Override
        public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
            ranksAcrossBlocks.add(context.ranksAcrossBlocks());
            return new UnitScores(kind, List.of(new float[] {0, 1, 2, 3, 4, 5}, new float[] {0, 1, 2, 3, 4, 5}));
        }
    }

    @Test
    void theScorerLearnsWhetherTheSelectorRanksAcrossBlocks() {
        StrategyRegistry registry = StrategyRegistry.load();
        Recording scorer = new Recording(new ArrayList<>());
        try (NDManager manager = NDManager.newBaseManager()) {
            ScoringContext context = ScoringContext.dataFree(manager);
            PruningTarget target = new PruningTarget(UnitKind.MLP_UNIT, 0.5);

            Pruning.plan(MODEL, scorer, registry.selector("uniform").create(StrategySettings.EMPTY), target, context);
            Pruning.plan(MODEL, scorer, registry.selector("global").create(StrategySettings.EMPTY), target, context);
            Pruning.score(MODEL, scorer, UnitKind.MLP_UNIT, context);
        }

        assertThat(scorer.ranksAcrossBlocks()).as("uniform, global, no selector (the safe default)").containsExactly(false, true, true);
    }
}
