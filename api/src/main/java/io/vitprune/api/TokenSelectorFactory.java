package io.vitprune.api;

import java.util.Set;

/** A named way to make a {@link TokenSelector}; offered by a {@link StrategyProvider}. */
public interface TokenSelectorFactory {
    /** Unique name, e.g. {@code top-k}. */
    String name();

    /** One line for listings. */
    String description();

    /** Settings this selector accepts (others are rejected). */
    default Set<String> settings() {
        return Set.of();
    }

    TokenSelector create(StrategySettings settings);
}
