package io.vitprune.core.select;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Selector;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.StrategySettings;
import java.util.Set;
import java.util.function.Function;

/** A selector factory that rejects unknown settings before building its selector. */
record CoreSelectorFactory(String name, String description, Set<String> settings, Function<StrategySettings, Selector> build)
        implements SelectorFactory {
    CoreSelectorFactory {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        settings = Set.copyOf(settings);
        requireNonNull(build, "build is null");
    }

    @Override
    public Selector create(StrategySettings values) {
        requireNonNull(values, "settings are null");
        values.requireKnown(name, settings);
        return build.apply(values);
    }
}
