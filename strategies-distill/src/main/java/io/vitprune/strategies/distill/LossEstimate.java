package io.vitprune.strategies.distill;

import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import java.util.Locale;

/**
 * How an ablation criterion obtains its losses (setting {@code estimate}): {@code exact}, masking
 * every unit alone and running the model (the paper's method; minutes to hours), or estimated from
 * the gradient with respect to the unit masks, {@code taylor} (first order: no KL signal, which
 * vanishes to first order at the unmasked model) or {@code fisher} (with the squared-gradient
 * second-order term), in about three forward passes per image for all units together: see
 * {@link GradientAblation}.
 */
public enum LossEstimate {
    EXACT, TAYLOR, FISHER;

    public static final SettingSpec SETTING = SettingSpec.choice("estimate", "exact",
            "ablation losses measured (exact) or estimated from mask gradients: taylor (first order, L_KL = 0) or fisher (second order; "
                    + "seconds instead of minutes)", "exact", "taylor", "fisher");

    /** The value of {@link #SETTING} in {@code settings}, exact when absent. */
    public static LossEstimate from(StrategySettings settings) {
        return valueOf(SETTING.string(settings).toUpperCase(Locale.ROOT));
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
