package io.vitprune.api;

/** Which units go? Turns scores and a target into a plan for the model the scores came from. */
public interface Selector {
    /**
     * A plan that removes {@code target.ratio()} of the units of {@code target.kind()} (as near as the
     * selector's rules allow) and keeps every unit of other kinds.
     */
    PruningPlan select(UnitScores scores, ModelStructure structure, PruningTarget target);
}
