package io.vitprune.strategies.stability;

import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategyProvider;
import java.util.List;

/** Regression stability (methods.md section 4.3), the seed paper's own method. */
public final class StabilityStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "stability";
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(new RegressionStabilityScorerFactory());
    }
}
