package io.vitprune.core.model;

import static io.vitprune.core.testing.TestModels.images;
import static io.vitprune.core.testing.TestModels.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.vitprune.core.testing.TestModels;
import org.junit.jupiter.api.Test;

/** DynamicViT's keep policy in attention (methods.md 4.5) and token-dependent MACs. */
class TokenPolicyTest {
    @Test
    void anAllOnesPolicyComputesWhatNoPolicyComputes() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(1, manager);
             NDManager scope = model.newScope()) {
            NDArray tokens = model.embed(images(model.config(), 3, 2, scope));
            NDArray plain = model.block(0, tokens, null, null);
            TransformerBlock.Pass pass = model.block(0, tokens, scope.ones(new Shape(3, 17)), true);
            assertThat(maxAbsDifference(pass.tokens(), plain)).isLessThan(1e-5f);
            assertThat(pass.classAttention().getShape()).isEqualTo(new Shape(3, 17));
        }
    }

    @Test
    void keptTokensIgnoreDroppedOnesWhichStillAttendToKeptOnesAndThemselves() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager);
             NDManager scope = model.newScope()) {
            NDArray tokens = model.embed(images(model.config(), 2, 4, scope));
            float[] keep = new float[2 * 17];
            java.util.Arrays.fill(keep, 1f);
            keep[5] = 0f; // image 0 drops token 5
            keep[17 + 9] = 0f; // image 1 drops token 9
            NDArray masked = model.block(0, tokens, scope.create(keep, new Shape(2, 17)), false).tokens();
            // Image 0 without token 5: the kept tokens' outputs equal those of the block run on the 16 kept tokens alone.
            NDArray kept = tokens.get(new NDIndex("0:1, {}", scope.create(new long[] {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})));
            NDArray alone = model.block(0, kept, null, null);
            NDArray maskedKept = masked.get(new NDIndex("0:1, {}", scope.create(new long[] {0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})));
            assertThat(maxAbsDifference(maskedKept, alone)).isLessThan(1e-5f);
            // The dropped token 5 still attends to the kept tokens and to itself (P_5j = 1 for kept j and for j = 5): here
            // that is every token of image 0, so its output is the unmasked block's.
            NDArray plain = model.block(0, tokens, null, null);
            assertThat(maxAbsDifference(masked.get(new NDIndex("0:1, 5:6, :")), plain.get(new NDIndex("0:1, 5:6, :")))).isLessThan(1e-5f);
            // Image 1's kept tokens differ from the unmasked block's: they no longer see token 9.
            assertThat(maxAbsDifference(masked.get(new NDIndex("1:2, 0:9, :")), plain.get(new NDIndex("1:2, 0:9, :")))).isGreaterThan(1e-3f);
        }
    }

    @Test
    void macsFollowTheTokensEachBlockRunsOn() {
        VitConfig config = VitConfig.reference();
        int[] all = new int[6];
        java.util.Arrays.fill(all, 65);
        assertThat(ModelStats.of(config, config.initialStructure(), all)).isEqualTo(ModelStats.of(config, config.initialStructure()));
        ModelStats pruned = ModelStats.of(config, config.initialStructure(), new int[] {65, 65, 45, 45, 32, 32});
        long dim = 192;
        long inner = 192;
        long mlp = 384;
        long perTokenLinear = dim * 3 * inner + inner * dim + 2 * dim * mlp;
        long expected = 64L * 48 * dim + dim * 10
                + 2 * (65 * perTokenLinear + 2L * 65 * 65 * inner)
                + 2 * (45 * perTokenLinear + 2L * 45 * 45 * inner)
                + 2 * (32 * perTokenLinear + 2L * 32 * 32 * inner);
        assertThat(pruned.macsPerImage()).isEqualTo(expected);
        assertThat(pruned.parameters()).isEqualTo(ModelStats.of(config, config.initialStructure()).parameters());
    }
}
