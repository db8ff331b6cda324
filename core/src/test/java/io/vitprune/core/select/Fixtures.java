package io.vitprune.core.select;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.Selector;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.registry.StrategyRegistry;
import java.util.Collections;
import java.util.List;

/** Small structures and scores for selector tests. */
final class Fixtures {
    /** Two blocks of 2 heads x 4 channels (8 channels) and 6 MLP units. */
    static final ModelStructure TWO_BLOCKS = new ModelStructure(16, Collections.nCopies(2, BlockStructure.uniform(2, 4, 6)));

    private Fixtures() {
    }

    private static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    static Selector selector(String name, String... settings) {
        // Through the registry, the host: it checks the settings against the selector's specs.
        return REGISTRY.selector(name).create(StrategySettings.of(settings));
    }

    static UnitScores scores(UnitKind kind, float[]... perBlock) {
        return new UnitScores(kind, List.of(perBlock));
    }

    /** Scores 0, 1, 2, ... plus {@code offset}: unit i is the (i+1)-th lowest. */
    static float[] rising(int units, float offset) {
        float[] scores = new float[units];
        for (int i = 0; i < units; i++) {
            scores[i] = offset + i;
        }
        return scores;
    }
}
