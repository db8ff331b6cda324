package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelectorFactory;
import java.util.List;

/**
 * The Guice module of one provider (Druid-style): contributes its factories, keyed by name, to the
 * shared scorer and selector maps. The module with no factories declares both maps, so that they
 * exist even when no provider is found.
 */
final class StrategyModule extends AbstractModule {
    private final List<ScorerFactory> scorers;
    private final List<SelectorFactory> selectors;
    private final List<TokenScorerFactory> tokenScorers;
    private final List<TokenSelectorFactory> tokenSelectors;

    StrategyModule(List<ScorerFactory> scorers, List<SelectorFactory> selectors, List<TokenScorerFactory> tokenScorers,
                   List<TokenSelectorFactory> tokenSelectors) {
        this.scorers = List.copyOf(requireNonNull(scorers, "scorers is null"));
        this.selectors = List.copyOf(requireNonNull(selectors, "selectors is null"));
        this.tokenScorers = List.copyOf(requireNonNull(tokenScorers, "token scorers is null"));
        this.tokenSelectors = List.copyOf(requireNonNull(tokenSelectors, "token selectors is null"));
    }

    @Override
    protected void configure() {
        MapBinder<String, ScorerFactory> scorerMap = MapBinder.newMapBinder(binder(), String.class, ScorerFactory.class);
        MapBinder<String, SelectorFactory> selectorMap = MapBinder.newMapBinder(binder(), String.class, SelectorFactory.class);
        scorers.forEach(factory -> scorerMap.addBinding(factory.name()).toInstance(factory));
        selectors.forEach(factory -> selectorMap.addBinding(factory.name()).toInstance(factory));
        MapBinder<String, TokenScorerFactory> tokenScorerMap = MapBinder.newMapBinder(binder(), String.class, TokenScorerFactory.class);
        MapBinder<String, TokenSelectorFactory> tokenSelectorMap = MapBinder.newMapBinder(binder(), String.class, TokenSelectorFactory.class);
        tokenScorers.forEach(factory -> tokenScorerMap.addBinding(factory.name()).toInstance(factory));
        tokenSelectors.forEach(factory -> tokenSelectorMap.addBinding(factory.name()).toInstance(factory));
    }
}
