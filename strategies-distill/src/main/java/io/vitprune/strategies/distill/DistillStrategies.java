package io.vitprune.strategies.distill;

import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategyProvider;
import java.util.List;

/** Knowledge-distillation importance (methods.md section 4.2) and its KL term alone, both built on the {@link AblationEngine}. */
public final class DistillStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(new KdImportanceScorerFactory(), new KlImportanceScorerFactory());
    }
}
