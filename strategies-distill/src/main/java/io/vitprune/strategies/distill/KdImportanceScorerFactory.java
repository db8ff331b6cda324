package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.HashSet;
import java.util.Set;

/**
 * {@code kd-importance} (methods.md 4.2, after Yu et al. 2021): a unit scores
 * {@code L_CE + alpha * L_KL} of the model with that unit alone masked (an {@link AblationScorer}).
 * Settings: {@code alpha} (weight of the KL term, default 1), {@code ce-target} ({@code labels} or
 * {@code teacher}, default {@code labels}: see {@link CeTarget}), {@code temperature} (default 1)
 * and {@code units-per-pass} (ablations stacked in one batched pass, default automatic), the last
 * two as {@link AblationEngine#fromSettings} reads them.
 */
final class KdImportanceScorerFactory implements ScorerFactory {
    static final String NAME = "kd-importance";
    static final String ALPHA = "alpha";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "L_CE + alpha * L_KL(teacher || student) of the model with each unit masked alone, L_CE against ce-target labels (default) "
                + "or teacher (needs data; KD importance)";
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
        settings.add(ALPHA);
        settings.add(CeTarget.SETTING);
        return Set.copyOf(settings);
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        settings.requireKnown(NAME, settings());
        double alpha = settings.number(ALPHA, 1.0);
        if (!(alpha >= 0) || Double.isInfinite(alpha)) {
            throw new InvalidInputException("setting '" + ALPHA + "' = " + alpha + ": expected a finite number >= 0");
        }
        CeTarget target = CeTarget.fromSettings(NAME, settings);
        return new AblationScorer(NAME, AblationEngine.fromSettings(settings), losses -> losses.kdImportance(alpha, target));
    }
}
