package io.vitprune.strategies.distill;

import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategyProvider;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelectorFactory;
import io.vitprune.strategies.distill.dynamicvit.ClassAttentionScorer;
import io.vitprune.strategies.distill.dynamicvit.DynamicVitScorerFactory;
import io.vitprune.strategies.distill.dynamicvit.TopKSelector;
import java.util.List;

/**
 * Knowledge-distillation importance (methods.md section 4.2) and its KL term alone, both built on the {@link AblationEngine};
 * DynamicViT token pruning (section 4.5): the learned {@code dynamicvit} token scorer, the
 * {@code cls-attention} baseline scorer and the {@code top-k} token selector.
 */
public final class DistillStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "distill";
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(new KdImportanceScorerFactory(), new KlImportanceScorerFactory());
    }

    @Override
    public List<TokenScorerFactory> tokenScorers() {
        return List.of(new DynamicVitScorerFactory(), new ClassAttentionScorer());
    }

    @Override
    public List<TokenSelectorFactory> tokenSelectors() {
        return List.of(new TopKSelector());
    }
}
