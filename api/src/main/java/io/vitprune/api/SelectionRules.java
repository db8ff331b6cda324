package io.vitprune.api;

import java.util.List;

/**
 * The rules the core selectors share, as settings any selector can declare: how many units every
 * block keeps, and whether attention channels go head by head.
 *
 * @param minKept units of the target kind every block keeps at least (at least 1: a block needs a
 *     path through it); a block with fewer units loses none
 * @param headAligned for attention-channel targets, remove the same number of channels from every
 *     head of a block, so heads that were equal-width stay so and attention stays one batched
 *     product; no effect on other kinds, which have no heads to align
 */
public record SelectionRules(int minKept, boolean headAligned) {
    public static final SettingSpec MIN_KEPT = SettingSpec.integer("min-kept", 1, "units of the target kind every block keeps at least");
    public static final SettingSpec HEAD_ALIGNED = SettingSpec.flag("head-aligned", false,
            "remove the same number of channels from every head, so equal-width heads stay equal");
    /** Both settings, for a selector's {@code settings()}. */
    public static final List<SettingSpec> SETTINGS = List.of(MIN_KEPT, HEAD_ALIGNED);

    public static SelectionRules from(String selector, StrategySettings settings) {
        int minKept = MIN_KEPT.integer(settings);
        if (minKept < 1) {
            throw new InvalidInputException("setting '" + MIN_KEPT.name() + "' = " + minKept + " of '" + selector
                    + "': expected an integer >= 1 (a block keeps at least one unit)");
        }
        return new SelectionRules(minKept, HEAD_ALIGNED.flag(settings));
    }

    /** Whether removal of {@code kind} units is aligned to heads. */
    public boolean alignsHeads(UnitKind kind) {
        return headAligned && kind == UnitKind.ATTENTION_CHANNEL;
    }

    /** How many of a block's {@code units} may go. */
    public int removable(int units) {
        return Math.max(0, units - minKept);
    }
}
