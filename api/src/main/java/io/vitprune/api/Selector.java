package io.vitprune.api;

/** Which units go? Turns scores and a target into a plan for the model the scores came from. */
public interface Selector {
    /**
     * A plan that removes {@code target.ratio()} of the units of {@code target.kind()} (as near as the
     * selector's rules allow) and keeps every unit of other kinds.
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
}
