package io.vitprune.strategies.stability;

import java.util.Locale;

/** Which units share one regression (methods.md 4.3): those of one block, or all of them. */
public enum Scope {
    /** One fit per block: scores to compare within a block, for the uniform selector. */
    BLOCK,
    /** One fit over every block: scores to compare across blocks, for the global selector. */
    GLOBAL;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
