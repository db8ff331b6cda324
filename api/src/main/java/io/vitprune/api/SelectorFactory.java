package io.vitprune.api;

import java.util.Set;

/** A named way to make a {@link Selector}; offered by a {@link StrategyProvider}. */
public interface SelectorFactory {
    /** Unique name, e.g. {@code global}. */
    String name();

    /** One line for listings. */
    String description();

    /** Settings this selector accepts (others are rejected). */
    default Set<String> settings() {
        return Set.of();
    }

    Selector create(StrategySettings settings);
}
