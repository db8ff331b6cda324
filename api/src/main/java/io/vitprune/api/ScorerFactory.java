package io.vitprune.api;

import java.util.Set;

/** A named way to make a {@link Scorer}; offered by a {@link StrategyProvider}. */
public interface ScorerFactory {
    /** Unique name, e.g. {@code weight-l1}. */
    String name();

    /** One line for listings. */
    String description();

    Set<UnitKind> supportedKinds();

    /** Settings this scorer accepts (others are rejected). */
    default Set<String> settings() {
        return Set.of();
    }

    Scorer create(StrategySettings settings);
}
