package io.vitprune.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelStatsTest {
    @Test
    void thePaperModelHasThePublishedParameterCount() {
        assertThat(ModelStats.of(VitConfig.paper(), VitConfig.paper().initialStructure()).parameters()).isEqualTo(9_524_842L);
    }

    @Test
    void parameterCountIsTheSumOfTheRealArrays() {
        ModelStructure ragged = new ModelStructure(16, List.of(
                new BlockStructure(List.of(8, 4, 4, 2), 24), new BlockStructure(List.of(3), 5)));
        try (NDManager manager = NDManager.newBaseManager()) {
            for (VitConfig config : List.of(TestModels.tinyConfig(), TestModels.tinyTimmConfig(), TestModels.tinyDistilledConfig())) {
                for (ModelStructure structure : List.of(config.initialStructure(), ragged)) {
                    try (VisionTransformer model = TestModels.random(config, structure, 1, manager)) {
                        long sum = model.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
                        assertThat(ModelStats.of(model).parameters()).as("%s, structure %s", config.topology(), structure).isEqualTo(sum);
                    }
                }
            }
        }
    }

    @Test
    void multiplyAccumulatesMatchAHandCount() {
        // Image 8, patch 4: 4 patches of 48 values, 5 tokens; dim 6; one block of heads [3, 1] (inner 4), MLP 7; 2 classes.
        VitConfig config = new VitConfig(8, 4, 6, 1, 2, 2, 7, 2);
        ModelStructure structure = new ModelStructure(6, List.of(new BlockStructure(List.of(3, 1), 7)));
        long patchEmbedding = 4 * 48 * 6;   // 1152
        long qkv = 5 * 6 * 12;              // 360
        long scores = 5 * 5 * 3 + 5 * 5 * 1; // per head: tokens x tokens x width = 100
        long weighted = 100;                // attention x v, same sizes
        long output = 5 * 4 * 6;            // 120
        long mlp = 5 * 6 * 7 + 5 * 7 * 6;   // 420
        long head = 6 * 2;                  // 12
        assertThat(ModelStats.of(config, structure).macsPerImage())
                .isEqualTo(patchEmbedding + qkv + scores + weighted + output + mlp + head)
                .isEqualTo(2264L);
    }

    @Test
    void aDistilledModelCountsItsSecondTokenInEveryBlockAndItsSecondHead() {
        // The hand count above with a distillation token: 6 tokens, and a second head of 6 x 2.
        VitConfig config = new VitConfig(8, 4, 6, 1, 2, 2, 7, 2, Topology.timm(1e-6).withDistillationToken(true), null);
        ModelStructure structure = new ModelStructure(6, List.of(new BlockStructure(List.of(3, 1), 7)));
        long patchEmbedding = 4 * 48 * 6;   // 1152
        long qkv = 6 * 6 * 12;              // 432
        long scores = 6 * 6 * 3 + 6 * 6 * 1; // 144
        long weighted = 144;
        long output = 6 * 4 * 6;            // 144
        long mlp = 6 * 6 * 7 + 6 * 7 * 6;   // 504
        long heads = 2 * 6 * 2;             // 24
        assertThat(ModelStats.of(config, structure).macsPerImage())
                .isEqualTo(patchEmbedding + qkv + scores + weighted + output + mlp + heads)
                .isEqualTo(2544L);
    }

    @Test
    void pruningLowersBothCounts() {
        VitConfig config = TestModels.tinyConfig();
        ModelStructure pruned = new ModelStructure(16, List.of(BlockStructure.uniform(2, 4, 12), BlockStructure.uniform(4, 4, 24)));
        ModelStats full = ModelStats.of(config, config.initialStructure());
        ModelStats smaller = ModelStats.of(config, pruned);
        // Block 0 loses 8 inner channels (3 * 16 + 16 weights each) and 12 MLP units (16 + 1 + 16 each).
        assertThat(full.parameters() - smaller.parameters()).isEqualTo(8 * 64 + 12 * 33);
        assertThat(smaller.macsPerImage()).isLessThan(full.macsPerImage());
    }
}
