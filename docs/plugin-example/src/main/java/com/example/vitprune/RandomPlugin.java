package com.example.vitprune;

import io.vitprune.api.*;
import java.util.*;

/** Offers one scorer; listed in META-INF/services/io.vitprune.api.StrategyProvider. */
public final class RandomPlugin implements StrategyProvider {
    @Override public String name() { return "random-plugin"; }
    @Override public List<ScorerFactory> scorers() { return List.of(new RandomScorer()); }
}

/** Seeded random scores: the baseline every real scorer should beat. */
final class RandomScorer implements ScorerFactory {
    static final SettingSpec SALT = SettingSpec.integer("salt", 0, "added to the scoring seed, for independent random baselines");

    @Override public String name() { return "random-fixture"; }
    @Override public String description() { return "seeded random scores (a baseline)"; }
    @Override public Set<UnitKind> supportedKinds() { return EnumSet.of(UnitKind.ATTENTION_CHANNEL, UnitKind.MLP_UNIT); }
    @Override public List<SettingSpec> settings() { return List.of(SALT); }

    // The host has checked the settings against settings() and asks only for supportedKinds().
    @Override public Scorer create(StrategySettings settings) {
        int salt = SALT.integer(settings);
        return (model, kind, context) -> {
            Random random = new Random(context.seed() + salt);
            List<float[]> scores = new ArrayList<>();
            for (BlockStructure block : model.structure().blocks()) {
                float[] units = new float[block.units(kind)];
                for (int i = 0; i < units.length; i++) {
                    units[i] = random.nextFloat();
                }
                scores.add(units);
            }
            return new UnitScores(kind, scores);
        };
    }
}
