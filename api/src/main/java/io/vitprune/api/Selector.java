package io.vitprune.api;

import java.util.Optional;

/** Which units go? Turns scores and a target into a plan for the model the scores came from. */
public interface Selector {
    /**
     * A plan that removes {@code target.ratio()} of the units of {@code target.kind()} (as near as the
     * selector's rules allow) and keeps every unit of other kinds. A selector that spends a budget of
     * its own (e.g. {@code latency}) may instead read the ratio as the most it may remove, saying so
     * in its description.
     */
    PruningPlan select(UnitScores scores, ModelStructure structure, PruningTarget target);

    /**
     * Whether this selector compares the scores of one block with those of another (a global
     * ranking) rather than only scores within a block (uniform). A scorer whose scores are
     * comparable only within a scope it chooses reads this from {@link ScoringContext#ranksAcrossBlocks()}.
     * Default {@code true}: scores comparable across blocks are safe under either kind of selector.
     */
    default boolean ranksAcrossBlocks() {
        return true;
    }

    /**
     * One line about a plan this selector made, for the user beside the plan's parameters and MACs,
     * e.g. the latency it predicts for it; empty by default.
     */
    default Optional<String> describe(PruningPlan plan) {
        return Optional.empty();
    }
}
