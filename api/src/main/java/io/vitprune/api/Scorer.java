package io.vitprune.api;

import java.util.Set;

/** How important is each unit of a kind? Higher scores are kept first. */
public interface Scorer {
    Set<UnitKind> supportedKinds();

    /** One score per unit of {@code kind} in every block of {@code model}. */
    UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context);

    default void requireSupported(String name, UnitKind kind) {
        if (!supportedKinds().contains(kind)) {
            throw new InvalidInputException("scorer '" + name + "' does not score " + kind.id() + ": it scores " + supportedKinds().stream().map(UnitKind::id).toList());
        }
    }
}
