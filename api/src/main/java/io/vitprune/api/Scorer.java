package io.vitprune.api;

/**
 * How important is each unit of a kind? Higher scores are kept first. The host asks only for kinds
 * its factory lists in {@link ScorerFactory#supportedKinds()}, and checks what it returns.
 */
public interface Scorer {
    /** One score per unit of {@code kind} in every block of {@code model}. */
    UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context);
}
