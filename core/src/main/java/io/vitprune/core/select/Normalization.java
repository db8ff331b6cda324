package io.vitprune.core.select;

import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import java.util.Locale;

/**
 * How the global selector makes one block's scores comparable with another's before ranking them
 * together. By default scores are used as given: making them comparable across blocks is the
 * scorer's job. {@code max} divides a block's scores by their largest magnitude, {@code sum} by the
 * sum of their magnitudes. Both divide by a positive number, so the order within a block never
 * changes; a block whose scores are all 0 is left as it is.
 */
enum Normalization {
    NONE, MAX, SUM;

    static final SettingSpec SETTING = SettingSpec.choice("normalize", "none",
            "make each block's scores comparable before the global ranking: as given, / their max or / their sum of magnitudes",
            "none", "max", "sum");

    static Normalization from(StrategySettings settings) {
        return valueOf(SETTING.string(settings).toUpperCase(Locale.ROOT));
    }

    double[] apply(float[] scores) {
        double max = 0;
        double sum = 0;
        for (float score : scores) {
            max = Math.max(max, Math.abs(score));
            sum += Math.abs(score);
        }
        double scale = switch (this) {
            case NONE -> 1;
            case MAX -> max;
            case SUM -> sum;
        };
        double[] normalized = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            normalized[i] = scale > 0 ? scores[i] / scale : scores[i];
        }
        return normalized;
    }
}
