package io.vitprune.strategies.stability;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.CeTarget;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code regression-stability}: see {@link RegressionStabilityScorer}. Settings: {@code scope}
 * ({@code block} or {@code global}; default: follows the selector, block under uniform, global
 * under global), {@code ce-target} ({@code labels} or {@code teacher}, default {@code teacher}: the
 * label reading ranks by sampling noise, docs/methods-notes.md; see {@link CeTarget}), and {@code estimate}
 * (default exact), {@code temperature} (default 1) and {@code units-per-pass} (default automatic) as
 * {@link AblationEngine#fromSettings} reads them.
 */
final class RegressionStabilityScorerFactory implements ScorerFactory {
    static final String NAME = "regression-stability";
    static final SettingSpec SCOPE = SettingSpec.choice("scope", null,
            "units that share one regression: each block's, or all blocks' (default: follows the selector, block under uniform, global under global)",
            "block", "global");
    static final SettingSpec CE_TARGET = CeTarget.setting(CeTarget.TEACHER);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "L_CE - |residual| of the fit L_KL ~ a + b * L_CE over units masked alone; scope block or global (default: follows the "
                + "selector), ce-target teacher (default) or labels (needs data; the paper's method)";
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
    public List<SettingSpec> settings() {
        return Stream.concat(Stream.of(SCOPE, CE_TARGET), AblationEngine.SETTINGS.stream()).toList();
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        Optional<Scope> scope = Optional.ofNullable(SCOPE.string(settings)).map(value -> Scope.valueOf(value.toUpperCase(Locale.ROOT)));
        return new RegressionStabilityScorer(scope, CeTarget.from(CE_TARGET, settings), AblationEngine.fromSettings(settings));
    }
}
