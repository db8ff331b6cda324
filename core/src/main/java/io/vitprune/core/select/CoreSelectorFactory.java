package io.vitprune.core.select;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Selector;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import java.util.List;
import java.util.function.Function;

/** A core selector: its name, description, settings and how to build it (the registry checks the settings first). */
record CoreSelectorFactory(String name, String description, List<SettingSpec> settings, Function<StrategySettings, Selector> build)
        implements SelectorFactory {
    CoreSelectorFactory {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        settings = List.copyOf(settings);
        requireNonNull(build, "build is null");
    }

    @Override
    public Selector create(StrategySettings values) {
        requireNonNull(values, "settings are null");
        return build.apply(values);
    }
}
