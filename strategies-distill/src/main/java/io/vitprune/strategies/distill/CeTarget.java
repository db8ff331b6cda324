package io.vitprune.strategies.distill;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.StrategySettings;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the cross-entropy term {@code L_CE} of an ablation criterion is measured against (setting
 * {@value #SETTING}; methods.md 4.3 offers both readings of the paper):
 * {@code labels}, the scoring images' labels (the default, as before), or {@code teacher}, the
 * unpruned model's probabilities. Against the teacher, {@code L_CE = H(teacher) + L_KL} with
 * {@code H} the same for every unit, so a criterion built on it ranks as {@code L_KL} does; against
 * the labels, a single unit's {@code L_CE} on a few hundred images is mostly sampling noise.
 */
public enum CeTarget {
    LABELS, TEACHER;

    public static final String SETTING = "ce-target";

    /** The setting of {@code strategy}, {@link #LABELS} when absent. */
    public static CeTarget fromSettings(String strategy, StrategySettings settings) {
        String value = settings.string(SETTING, LABELS.id());
        return Arrays.stream(values()).filter(target -> target.id().equals(value)).findFirst()
                .orElseThrow(() -> new InvalidInputException("setting '" + SETTING + "' = '" + value + "' of '" + strategy
                        + "': expected labels or teacher"));
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
