package io.vitprune.strategies.tokens;

import io.vitprune.api.StrategyProvider;
import io.vitprune.api.TokenReducerFactory;
import io.vitprune.api.TokenScorerFactory;
import java.util.List;

/**
 * Token reduction: the learned {@code dynamicvit} token scorer and the {@code cls-attention}
 * baseline (methods.md section 4.5), both composing with core's {@code top-k} token selector, and
 * the {@code tome} token merger (section 4.6).
 */
public final class TokenPruningStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "tokens";
    }

    @Override
    public List<TokenScorerFactory> tokenScorers() {
        return List.of(new DynamicVitScorerFactory(), new ClassAttentionScorer());
    }

    @Override
    public List<TokenReducerFactory> tokenReducers() {
        return List.of(new TokenMerging());
    }
}
