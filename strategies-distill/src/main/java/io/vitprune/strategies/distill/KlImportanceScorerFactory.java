package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.List;
import java.util.Set;

/**
 * {@code kl-importance}: a unit scores {@code L_KL(teacher || student)} of the model with that unit
 * alone masked, the KD-importance criterion without its cross-entropy term. On the reference model
 * the label cross-entropy of one unit is mostly sampling noise and L_KL is not (issue 21), so this
 * is the KL term on its own, by name. Settings: {@code estimate} (default exact; {@code taylor}
 * estimates every L_KL as 0), {@code temperature} (default 1) and {@code units-per-pass} (default
 * automatic), as {@link AblationEngine#fromSettings} reads them.
 */
final class KlImportanceScorerFactory implements ScorerFactory {
    static final String NAME = "kl-importance";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "L_KL(teacher || student) of the model with each unit masked alone (needs data; KD importance without L_CE)";
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
        return AblationEngine.SETTINGS;
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        return new AblationScorer(NAME, AblationEngine.fromSettings(settings), AblationLosses::klImportance);
    }
}
