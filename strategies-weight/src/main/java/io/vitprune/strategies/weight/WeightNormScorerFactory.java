package io.vitprune.strategies.weight;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** {@code weight-l1} and {@code weight-l2}: see {@link WeightNormScorer}. */
final class WeightNormScorerFactory implements ScorerFactory {
    static final SettingSpec INCLUDE_QKV = SettingSpec.flag("include-qkv", false,
            "attention channels: also count the q, k and v rows that make each channel");
    static final SettingSpec INCLUDE_INPUT = SettingSpec.flag("include-input", false, "MLP units: also count each unit's fc1 row");

    private final Norm norm;

    WeightNormScorerFactory(Norm norm) {
        this.norm = requireNonNull(norm, "norm is null");
    }

    @Override
    public String name() {
        return "weight-" + norm.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String description() {
        return norm + " norm of each unit's input column in the next Linear (data-free; VTP magnitude)";
    }

    @Override
    public Set<UnitKind> supportedKinds() {
        return WeightNormScorer.KINDS;
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of(INCLUDE_QKV, INCLUDE_INPUT);
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        return new WeightNormScorer(name(), norm, INCLUDE_QKV.flag(settings), INCLUDE_INPUT.flag(settings));
    }
}
