package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/** {@code vtp-l1}: see {@link VtpScorer}; settings {@code epochs lambda lr batch-size seed work} ({@link VtpSettings}). */
final class VtpScorerFactory implements ScorerFactory {
    private static final List<SettingSpec> SETTINGS = Stream.concat(VtpSettings.SETTINGS.stream(), Stream.of(VtpScorer.WORK)).toList();

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
    public List<SettingSpec> settings() {
        return SETTINGS;
    }

    @Override
    public Scorer create(StrategySettings settings) {
        requireNonNull(settings, "settings are null");
        VtpSettings.from(settings, 0); // bad values fail here, before any data is loaded
        return new VtpScorer(settings);
    }
}
