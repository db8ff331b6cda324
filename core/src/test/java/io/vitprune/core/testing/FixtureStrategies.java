package io.vitprune.core.testing;

import io.vitprune.api.StrategyProvider;
import io.vitprune.api.TokenScorerFactory;
import java.util.List;

/** Strategies that exist only on core's test classpath (kept out of core's test-jar). */
public final class FixtureStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "core-fixtures";
    }

    @Override
    public List<TokenScorerFactory> tokenScorers() {
        return List.of(new LinearTokenScorer.Factory());
    }
}
