package io.vitprune.strategies.distill;

import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import java.util.Locale;

/**
 * What the cross-entropy term {@code L_CE} of an ablation criterion is measured against (setting
 * {@code ce-target}; methods.md 4.3 offers both readings of the paper):
 * {@code labels}, the scoring images' labels, or {@code teacher}, the unpruned model's
 * probabilities; each scorer has its own default. Against the teacher, {@code L_CE = H(teacher) + L_KL} with
 * {@code H} the same for every unit, so a criterion built on it ranks as {@code L_KL} does; against
 * the labels, a single unit's {@code L_CE} on a few hundred images is mostly sampling noise.
 */
public enum CeTarget {
    LABELS, TEACHER;

    /** The {@code ce-target} setting of a scorer whose default is {@code byDefault}. */
    public static SettingSpec setting(CeTarget byDefault) {
        return SettingSpec.choice("ce-target", byDefault.id(),
                "what L_CE is measured against: the labels, or the teacher's probabilities (then the criterion ranks as L_KL)", "labels", "teacher");
    }

    /** The value of {@code setting} (one of {@link #setting}'s) in {@code settings}, its default when absent. */
    public static CeTarget from(SettingSpec setting, StrategySettings settings) {
        return valueOf(setting.string(settings).toUpperCase(Locale.ROOT));
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
