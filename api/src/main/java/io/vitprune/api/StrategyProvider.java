package io.vitprune.api;

import java.util.List;

/**
 * The plug-in contract, found with {@link java.util.ServiceLoader}: list the implementation in
 * {@code META-INF/services/io.vitprune.api.StrategyProvider}. A provider offers only what it has;
 * the defaults are empty.
 */
public interface StrategyProvider {
    /** Name of the plug-in, for listings and error messages. */
    String name();

    default List<ScorerFactory> scorers() {
        return List.of();
    }

    default List<SelectorFactory> selectors() {
        return List.of();
    }

    /** Dynamic token scorers (per image, inside the forward pass), e.g. DynamicViT's learned predictors. */
    default List<TokenScorerFactory> tokenScorers() {
        return List.of();
    }

    /** Token selectors: which patch tokens stay at a stage given their scores. */
    default List<TokenSelectorFactory> tokenSelectors() {
        return List.of();
    }

    /** Token reducers: drop or merge tokens inside the forward pass (e.g. ToMe's token merging); any scorer and selector pair is one too. */
    default List<TokenReducerFactory> tokenReducers() {
        return List.of();
    }
}
