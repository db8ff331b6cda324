package io.vitprune.deploy;

import io.vitprune.api.BlockPlan;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import java.util.List;
import java.util.stream.IntStream;

/** Hand-made plans for the tiny model (2 blocks, 4 heads of 4 channels, MLP 24) that cover every shape surgery makes. */
final class Plans {
    private Plans() {
    }

    /** Heads keep 4, 3, 2 and 1 channels in block 0 and 3, 2, 2, 3 in block 1: widths [4, 3, 2, 1] and [3, 3, 2, 2]. */
    static PruningPlan ragged(ModelStructure structure) {
        return attention(structure, new int[] {0, 1, 2, 3, 4, 5, 6, 8, 9, 12}, new int[] {0, 1, 2, 5, 6, 8, 9, 12, 13, 14});
    }

    /** Block 0 loses heads 1 and 3, block 1 heads 0, 1 and 2. */
    static PruningPlan wholeHeads(ModelStructure structure) {
        return attention(structure, new int[] {0, 1, 2, 3, 8, 9, 10, 11}, new int[] {12, 13, 14, 15});
    }

    /** Head 1 of block 0 keeps one channel; block 1 keeps a single channel in all. */
    static PruningPlan singleChannel(ModelStructure structure) {
        return attention(structure, new int[] {0, 1, 2, 3, 5, 8, 9, 10, 11, 12, 13, 14, 15}, new int[] {6});
    }

    /** Attention intact, MLP units 0, 3, 6, ... kept in block 0 and 11 units in block 1. */
    static PruningPlan mlpUnits(ModelStructure structure) {
        int[] every = IntStream.range(0, structure.block(0).attentionWidth()).toArray();
        return new PruningPlan(structure, List.of(
                new BlockPlan(every, IntStream.range(0, 24).filter(u -> u % 3 == 0).toArray()),
                new BlockPlan(every, IntStream.range(5, 16).toArray())));
    }

    private static PruningPlan attention(ModelStructure structure, int[] block0, int[] block1) {
        int[] mlp = IntStream.range(0, structure.block(0).mlpWidth()).toArray();
        return new PruningPlan(structure, List.of(new BlockPlan(block0, mlp), new BlockPlan(block1, mlp)));
    }
}
