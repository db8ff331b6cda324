package io.vitprune.strategies.tokens;

import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;

/** Makes {@code dynamicvit} token scorers (learned prediction modules, methods.md section 4.5). */
public final class DynamicVitScorerFactory implements TokenScorerFactory {
    @Override
    public String name() {
        return DynamicVitScorer.NAME;
    }

    @Override
    public String description() {
        return "DynamicViT learned per-token keep predictor before each stage (train with train-tokens)";
    }

    @Override
    public boolean learned() {
        return true;
    }

    @Override
    public TokenScorer create(StrategySettings settings, Setup setup) {
        return new DynamicVitScorer(setup);
    }
}
