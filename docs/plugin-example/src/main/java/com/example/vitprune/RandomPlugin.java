package com.example.vitprune;

import io.vitprune.api.*;
import java.util.*;

/** Offers one scorer; listed in META-INF/services/io.vitprune.api.StrategyProvider. */
public final class RandomPlugin implements StrategyProvider {
    @Override public String name() { return "random-plugin"; }
    @Override public List<ScorerFactory> scorers() { return List.of(new RandomScorer()); }
}

/** Seeded random scores: the baseline every real scorer should beat. */
final class RandomScorer implements ScorerFactory, Scorer {
    @Override public String name() { return "random-fixture"; }
    @Override public String description() { return "seeded random scores (a baseline)"; }
    @Override public Set<UnitKind> supportedKinds() { return EnumSet.of(UnitKind.ATTENTION_CHANNEL, UnitKind.MLP_UNIT); }

    @Override public Scorer create(StrategySettings settings) {
        settings.requireKnown(name(), settings());
        return this;
    }

    @Override public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        requireSupported(name(), kind);
        Random random = new Random(context.seed());
        List<float[]> scores = new ArrayList<>();
        for (BlockStructure block : model.structure().blocks()) {
            float[] units = new float[block.units(kind)];
            for (int i = 0; i < units.length; i++) {
                units[i] = random.nextFloat();
            }
            scores.add(units);
        }
        return new UnitScores(kind, scores);
    }
}
