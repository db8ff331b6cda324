package io.vitprune.api;

import java.util.Objects;

/** What to prune: a unit kind and the fraction of its units to remove, in (0, 1). */
public record PruningTarget(UnitKind kind, double ratio) {
    public PruningTarget {
        Objects.requireNonNull(kind, "kind is null");
        if (!(ratio > 0.0 && ratio < 1.0)) {
            throw new InvalidInputException("pruning ratio " + ratio + ": expected a number in (0, 1), e.g. 0.5 to remove half of the "
                    + kind.id() + "s");
        }
    }
}
