package io.vitprune.api;

import java.util.List;
import java.util.Set;

/** A named way to make a {@link Scorer}; offered by a {@link StrategyProvider}. */
public interface ScorerFactory {
    /** Unique name, e.g. {@code weight-l1}. */
    String name();

    /** One line for listings. */
    String description();

    Set<UnitKind> supportedKinds();

    /**
     * Whether the scorer needs {@link ScoringContext#data()} (labelled images); weight scorers do not.
     * Hosts measure the split-half reliability of such scorers' scores (core's {@code SplitHalf}):
     * a data-free scorer gives the same scores whatever the sample.
     */
    default boolean needsData() {
        return false;
    }

    /** Whether scoring trains (a copy of) the model, e.g. learned gates: costly, and meaningless on a small sample. */
    default boolean trainsModel() {
        return false;
    }

    /** The settings this scorer accepts, each with its type, default and meaning; the host refuses others, and bad values, before {@code create}. */
    default List<SettingSpec> settings() {
        return List.of();
    }

    Scorer create(StrategySettings settings);
}
