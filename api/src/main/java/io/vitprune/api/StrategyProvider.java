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
}
