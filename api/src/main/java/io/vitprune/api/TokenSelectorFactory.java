package io.vitprune.api;

import java.util.List;

/** A named way to make a {@link TokenSelector}; offered by a {@link StrategyProvider}. */
public interface TokenSelectorFactory {
    /** Unique name, e.g. {@code top-k}. */
    String name();

    /** One line for listings. */
    String description();

    /** The settings this selector accepts, each with its type, default and meaning; the host refuses others, and bad values, before {@code create}. */
    default List<SettingSpec> settings() {
        return List.of();
    }

    TokenSelector create(StrategySettings settings);
}
