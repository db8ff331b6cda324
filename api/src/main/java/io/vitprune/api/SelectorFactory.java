package io.vitprune.api;

import java.util.List;

/** A named way to make a {@link Selector}; offered by a {@link StrategyProvider}. */
public interface SelectorFactory {
    /** Unique name, e.g. {@code global}. */
    String name();

    /** One line for listings. */
    String description();

    /** The settings this selector accepts, each with its type, default and meaning; the host refuses others, and bad values, before {@code create}. */
    default List<SettingSpec> settings() {
        return List.of();
    }

    Selector create(StrategySettings settings);
}
