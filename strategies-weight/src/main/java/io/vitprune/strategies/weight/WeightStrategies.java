package io.vitprune.strategies.weight;

import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategyProvider;
import java.util.List;

/** Data-free weight-magnitude scorers (methods.md section 4.1). */
public final class WeightStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "weight";
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(new WeightNormScorerFactory(Norm.L1), new WeightNormScorerFactory(Norm.L2));
    }
}
