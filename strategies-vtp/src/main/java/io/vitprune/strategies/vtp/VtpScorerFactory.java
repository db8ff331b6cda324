package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.Set;

/** {@code vtp-l1}: see {@link VtpScorer}; settings {@code epochs lambda lr batch-size seed work} ({@link VtpSettings}). */
final class VtpScorerFactory implements ScorerFactory {
    private static final Set<String> SETTINGS = Set.of(VtpSettings.EPOCHS, VtpSettings.LAMBDA, VtpSettings.LEARNING_RATE, VtpSettings.GATE_LEARNING_RATE,
            VtpSettings.BATCH_SIZE, VtpSettings.SEED, VtpScorer.WORK);

    @Override
    public String name() {
        return VtpScorer.NAME;
    }

    @Override
    public String description() {
        return "|g| of channel gates trained on the scoring data with task loss + lambda * sum |g| (needs training images; VTP)";
    }

    @Override
    public Set<UnitKind> supportedKinds() {
        return VtpScorer.KINDS;
    }

    @Override
    public boolean needsData() {
        return true;
    }

    @Override
    public boolean trainsModel() {
        return true;
    }

    @Override
    public Set<String> settings() {
        return SETTINGS;
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        settings.requireKnown(name(), SETTINGS);
        VtpSettings.from(settings, 0); // bad values fail here, before any data is loaded
        return new VtpScorer(settings);
    }
}
