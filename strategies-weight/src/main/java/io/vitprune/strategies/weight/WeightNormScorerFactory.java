package io.vitprune.strategies.weight;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.Locale;
import java.util.Set;

/** {@code weight-l1} and {@code weight-l2}: see {@link WeightNormScorer}. */
final class WeightNormScorerFactory implements ScorerFactory {
    static final String INCLUDE_QKV = "include-qkv";
    static final String INCLUDE_INPUT = "include-input";

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
    public Set<String> settings() {
        return Set.of(INCLUDE_QKV, INCLUDE_INPUT);
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        settings.requireKnown(name(), settings());
        return new WeightNormScorer(name(), norm, settings.flag(INCLUDE_QKV, false), settings.flag(INCLUDE_INPUT, false));
    }
}
