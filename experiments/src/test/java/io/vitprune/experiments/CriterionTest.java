package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestModels;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Each paper-table row scores exactly as the registry's scorer with the settings its id names. */
class CriterionTest {
    @Test
    void everyRowIsTheNamedScorerWithTheNamedSettings() {
        StrategyRegistry registry = StrategyRegistry.load();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(5, manager)) {
            ScoringData data = ScoringData.of(manager.randomNormal(new Shape(8, 3, 32, 32)),
                    manager.randomInteger(0, 10, new Shape(8), DataType.INT64));
            AblationLosses losses = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, data, 4, ProgressListener.NONE);
            for (Criterion criterion : Criterion.ALL) {
                String[] id = criterion.id().split(":", 2);
                StrategySettings settings = id.length == 1 ? StrategySettings.EMPTY : StrategySettings.of(id[1].split("=", 2));
                for (String selector : PaperTableExperiment.SELECTORS) {
                    ScoringContext context = new ScoringContext(Optional.of(data), manager, 0, 4, ProgressListener.NONE)
                            .forSelector(registry.selector(selector).create(StrategySettings.EMPTY));
                    UnitScores named = registry.scorer(id[0]).create(settings).score(model, UnitKind.MLP_UNIT, context);
                    UnitScores row = criterion.score(losses, selector);
                    for (int b = 0; b < model.structure().depth(); b++) {
                        assertThat(row.block(b)).as("%s %s, block %d", criterion.id(), selector, b).containsExactly(named.block(b));
                    }
                }
            }
        }
    }
}
