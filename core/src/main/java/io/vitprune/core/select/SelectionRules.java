package io.vitprune.core.select;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;

/**
 * Settings both core selectors share.
 *
 * @param minKept units of the target kind every block keeps at least (at least 1: a block needs a
 *     path through it); a block with fewer units loses none
 * @param headAligned for attention-channel targets, remove the same number of channels from every
 *     head of a block, so heads that were equal-width stay so and attention stays one batched
 *     product; no effect on other kinds, which have no heads to align
 */
record SelectionRules(int minKept, boolean headAligned) {
    static final String MIN_KEPT = "min-kept";
    static final String HEAD_ALIGNED = "head-aligned";

    static SelectionRules from(String selector, StrategySettings settings) {
        int minKept = settings.integer(MIN_KEPT, 1);
        if (minKept < 1) {
            throw new InvalidInputException("setting '" + MIN_KEPT + "' = " + minKept + " of '" + selector
                    + "': expected an integer >= 1 (a block keeps at least one unit)");
        }
        return new SelectionRules(minKept, settings.flag(HEAD_ALIGNED, false));
    }

    /** Whether removal of {@code kind} units is aligned to heads. */
    boolean alignsHeads(UnitKind kind) {
        return headAligned && kind == UnitKind.ATTENTION_CHANNEL;
    }

    /** How many of a block's {@code units} may go. */
    int removable(int units) {
        return Math.max(0, units - minKept);
    }
}
