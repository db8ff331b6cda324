package io.vitprune.strategies.stability;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.CeTarget;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * {@code regression-stability}: see {@link RegressionStabilityScorer}. Settings: {@code scope}
 * ({@code block} or {@code global}; default: follows the selector, block under uniform, global
 * under global), {@code ce-target} ({@code labels} or {@code teacher}, default {@code labels}: see
 * {@link CeTarget}), {@code temperature} (default 1) and {@code units-per-pass} (default
 * automatic), the last two as {@link AblationEngine#fromSettings} reads them.
 */
final class RegressionStabilityScorerFactory implements ScorerFactory {
    static final String NAME = "regression-stability";
    static final String SCOPE = "scope";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "L_CE - |residual| of the fit L_KL ~ a + b * L_CE over units masked alone; scope block or global (default: follows the "
                + "selector), ce-target labels (default) or teacher (needs data; the paper's method)";
    }

    @Override
    public Set<UnitKind> supportedKinds() {
        return AblationEngine.KINDS;
    }

    @Override
    public boolean needsData() {
        return true;
    }

    @Override
    public Set<String> settings() {
        Set<String> settings = new HashSet<>(AblationEngine.SETTINGS);
        settings.add(SCOPE);
        settings.add(CeTarget.SETTING);
        return Set.copyOf(settings);
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        settings.requireKnown(NAME, settings());
        Optional<Scope> scope = Optional.ofNullable(settings.values().get(SCOPE)).map(Scope::fromSetting);
        return new RegressionStabilityScorer(scope, CeTarget.fromSettings(NAME, settings), AblationEngine.fromSettings(settings));
    }
}
