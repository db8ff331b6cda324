package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code kd-importance} (methods.md 4.2, after Yu et al. 2021): a unit scores
 * {@code L_CE + alpha * L_KL} of the model with that unit alone masked (an {@link AblationScorer}).
 * Settings: {@code alpha} (weight of the KL term, default 10: the paper's 1 lets the label
 * cross-entropy's sampling noise rank the units, docs/methods-notes.md), {@code ce-target}
 * ({@code labels} or {@code teacher}, default {@code labels}: see {@link CeTarget}), and
 * {@code estimate} ({@link LossEstimate}, default exact), {@code temperature} (default 1) and
 * {@code units-per-pass} (ablations stacked in one batched pass, default automatic) as
 * {@link AblationEngine#fromSettings} reads them.
 */
final class KdImportanceScorerFactory implements ScorerFactory {
    static final String NAME = "kd-importance";
    static final SettingSpec ALPHA = SettingSpec.number("alpha", 10.0, "weight of L_KL against L_CE (the paper's 1 "
            + "ranks by the label CE's sampling noise: docs/methods-notes.md)");
    static final SettingSpec CE_TARGET = CeTarget.setting(CeTarget.LABELS);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "L_CE + alpha * L_KL(teacher || student) of the model with each unit masked alone (alpha 10 by default), L_CE "
                + "against ce-target labels (default) or teacher (needs data; KD importance)";
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
        return Stream.concat(Stream.of(ALPHA, CE_TARGET), AblationEngine.SETTINGS.stream()).toList();
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        double alpha = ALPHA.number(settings);
        if (!(alpha >= 0)) {
            throw new InvalidInputException("setting '" + ALPHA.name() + "' = " + alpha + ": expected a finite number >= 0");
        }
        CeTarget target = CeTarget.from(CE_TARGET, settings);
        return new AblationScorer(NAME, AblationEngine.fromSettings(settings), losses -> losses.kdImportance(alpha, target));
    }
}
