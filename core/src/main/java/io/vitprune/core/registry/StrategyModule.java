package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.multibindings.MapBinder;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SelectorFactory;
import java.util.List;

/**
 * The Guice module of one provider (Druid-style): contributes its factories, keyed by name, to the
 * shared scorer and selector maps. The module with no factories declares both maps, so that they
 * exist even when no provider is found.
 */
final class StrategyModule extends AbstractModule {
    private final List<ScorerFactory> scorers;
    private final List<SelectorFactory> selectors;

    StrategyModule(List<ScorerFactory> scorers, List<SelectorFactory> selectors) {
        this.scorers = List.copyOf(requireNonNull(scorers, "scorers is null"));
        this.selectors = List.copyOf(requireNonNull(selectors, "selectors is null"));
    }

    @Override
    protected void configure() {
        MapBinder<String, ScorerFactory> scorerMap = MapBinder.newMapBinder(binder(), String.class, ScorerFactory.class);
        MapBinder<String, SelectorFactory> selectorMap = MapBinder.newMapBinder(binder(), String.class, SelectorFactory.class);
        scorers.forEach(factory -> scorerMap.addBinding(factory.name()).toInstance(factory));
        selectors.forEach(factory -> selectorMap.addBinding(factory.name()).toInstance(factory));
    }
}
