package io.vitprune.strategies.tokens;

import io.vitprune.api.StrategyProvider;
import io.vitprune.api.TokenScorerFactory;
import java.util.List;

/**
 * Token pruning (methods.md section 4.5): the learned {@code dynamicvit} token scorer and the
 * {@code cls-attention} baseline; both compose with core's {@code top-k} token selector.
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
}
