package io.vitprune.core.surgery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SurgeryTest {
    /** Pruned and masked models sum the same products in another order; float32 rounding stays far below this. */
    private static final float TOLERANCE = 1e-5f;
    private static final int PLANS = 36;

    /** How a random plan removes units. */
    private enum Kind { UNIFORM, RAGGED, WHOLE_HEADS, ONE_CHANNEL_HEAD, MLP_ONLY, COMBINED }

    private NDManager manager;
    private VisionTransformer model;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(7, manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void prunedEqualsMaskedForManyRandomPlans() {
        prunedEqualsMaskedForManyRandomPlans(model);
    }

    @Test
    void prunedEqualsMaskedInTimmsTopologyWithItsQkvBiases() {
        try (VisionTransformer timm = TestModels.tinyTimm(7, manager)) {
            prunedEqualsMaskedForManyRandomPlans(timm);
            assertThat(timm.namedParameters()).containsKey("block00.qkv_bias").doesNotContainKey("patch_norm_gamma");
        }
    }

    @Test
    void prunedEqualsMaskedInADistilledDeitWhoseTokensAndHeadsAreKept() {
        try (VisionTransformer distilled = TestModels.tinyDistilled(7, manager)) {
            prunedEqualsMaskedForManyRandomPlans(distilled);
            PruningPlan plan = randomPlan(distilled.structure(), Kind.COMBINED, new Random(3));
            try (VisionTransformer pruned = Surgery.apply(distilled, plan, manager)) {
                for (String kept : List.of("distillation_token", "head_dist_weight", "head_dist_bias", "position_embedding")) {
                    assertThat(pruned.namedParameters().get(kept).getArray().toFloatArray()).as(kept)
                            .containsExactly(distilled.namedParameters().get(kept).getArray().toFloatArray());
                }
            }
        }
    }

    private void prunedEqualsMaskedForManyRandomPlans(VisionTransformer model) {
        float[] before = logits(model, null);
        float worst = 0;
        for (int i = 0; i < PLANS; i++) {
            Kind kind = Kind.values()[i % Kind.values().length];
            PruningPlan plan = randomPlan(model.structure(), kind, new Random(1000 + i));
            try (VisionTransformer pruned = Surgery.apply(model, plan, manager)) {
                worst = Math.max(worst, assertPrunedEqualsMasked(model, before, pruned, plan, kind.name()));
                assertPhysicallySmaller(pruned, plan);
            }
        }
        // The original is untouched and does not share arrays with the closed pruned models.
        assertThat(logits(model, null)).containsExactly(before);
        assertThat(model.structure()).isEqualTo(TestModels.tinyConfig().initialStructure());
        System.out.printf("SurgeryTest: %d plans, largest |pruned - masked| = %.3g%n", PLANS, worst);
    }

    @Test
    void aHeadThatLosesEveryChannelDisappears() {
        // Block 0 keeps 2 channels of head 0, 3 of head 1, none of head 2 and 1 of head 3.
        BlockPlan first = new BlockPlan(new int[] {0, 1, 4, 5, 6, 12}, IntStream.range(0, 24).toArray());
        PruningPlan plan = new PruningPlan(model.structure(), List.of(first, BlockPlan.keepAll(model.structure().block(1))));
        try (VisionTransformer pruned = Surgery.apply(model, plan, manager)) {
            assertThat(pruned.structure().block(0).headWidths()).containsExactly(3, 2, 1);
            assertThat(Surgery.channelOrder(first, model.structure().block(0))).containsExactly(4, 5, 6, 0, 1, 12);
            assertPrunedEqualsMasked(model, logits(model, null), pruned, plan, "head removed");
        }
    }

    @Test
    void pruningARaggedModelAgainStillEqualsMasking() {
        PruningPlan first = randomPlan(model.structure(), Kind.COMBINED, new Random(1));
        try (VisionTransformer once = Surgery.apply(model, first, manager)) {
            float[] unmasked = logits(once, null);
            for (int i = 0; i < 12; i++) {
                Kind kind = Kind.values()[i % Kind.values().length];
                PruningPlan second = randomPlan(once.structure(), kind, new Random(2000 + i));
                try (VisionTransformer twice = Surgery.apply(once, second, manager)) {
                    assertPrunedEqualsMasked(once, unmasked, twice, second, "again " + kind);
                    assertPhysicallySmaller(twice, second);
                }
            }
        }
    }

    @Test
    void aPlanForAnotherStructureIsRejected() {
        ModelStructure other = new ModelStructure(16, List.of(BlockStructure.uniform(4, 4, 20), BlockStructure.uniform(4, 4, 24)));
        assertThatThrownBy(() -> Surgery.apply(model, PruningPlan.keepAll(other), manager))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("pruning plan was made for a model of structure")
                .hasMessageContaining("mlp 20")
                .hasMessageContaining("the model has");
    }

    @Test
    void keepingEverythingCopiesTheModelAndLeavesNothingInItsManager() {
        int before = ((ai.djl.ndarray.BaseNDManager) model.manager()).getManagedArrays().size();
        try (VisionTransformer copy = Surgery.apply(model, PruningPlan.keepAll(model.structure()), manager)) {
            assertThat(copy.structure()).isEqualTo(model.structure());
            assertThat(logits(copy, null)).containsExactly(logits(model, null));
            copy.namedParameters().forEach((name, parameter) ->
                    assertThat(parameter.getArray()).isNotSameAs(model.namedParameters().get(name).getArray()));
        }
        assertThat(((ai.djl.ndarray.BaseNDManager) model.manager()).getManagedArrays()).hasSize(before);
    }

    /**
     * Compares pruned logits with the original's logits under the plan's masks ({@code full}: the
     * original's logits without masks); returns the largest difference.
     */
    private static float assertPrunedEqualsMasked(VisionTransformer original, float[] full, VisionTransformer pruned, PruningPlan plan,
            String what) {
        float[] masked = logits(original, plan);
        float[] actual = logits(pruned, null);
        float worst = 0;
        float changed = 0;
        for (int i = 0; i < masked.length; i++) {
            worst = Math.max(worst, Math.abs(masked[i] - actual[i]));
            changed = Math.max(changed, Math.abs(masked[i] - full[i]));
        }
        assertThat(worst).as("%s: max |pruned - masked| over %d logits", what, masked.length).isLessThan(TOLERANCE);
        if (!plan.equals(PruningPlan.keepAll(plan.source()))) {
            // Otherwise the comparison could pass with masks that do nothing.
            assertThat(changed).as("%s: masking must change the logits", what).isGreaterThan(1e-3f);
        }
        return worst;
    }

    private static void assertPhysicallySmaller(VisionTransformer pruned, PruningPlan plan) {
        assertThat(pruned.structure()).isEqualTo(plan.resultStructure());
        long sum = 0;
        for (int b = 0; b < plan.blocks().size(); b++) {
            int inner = plan.block(b).keptAttentionChannels().length;
            int mlp = plan.block(b).keptMlpUnits().length;
            String prefix = String.format("block%02d.", b);
            assertThat(shape(pruned, prefix + "qkv_weight")).isEqualTo(new Shape(3L * inner, 16));
            if (pruned.namedParameters().containsKey(prefix + "qkv_bias")) {
                assertThat(shape(pruned, prefix + "qkv_bias")).isEqualTo(new Shape(3L * inner));
            }
            assertThat(shape(pruned, prefix + "out_weight")).isEqualTo(new Shape(16, inner));
            assertThat(shape(pruned, prefix + "mlp_in_weight")).isEqualTo(new Shape(mlp, 16));
            assertThat(shape(pruned, prefix + "mlp_in_bias")).isEqualTo(new Shape(mlp));
            assertThat(shape(pruned, prefix + "mlp_out_weight")).isEqualTo(new Shape(16, mlp));
        }
        for (var parameter : pruned.namedParameters().values()) {
            sum += parameter.getArray().size();
        }
        assertThat(sum).isEqualTo(ModelStats.of(pruned).parameters());
        if (!plan.equals(PruningPlan.keepAll(plan.source()))) {
            assertThat(sum).isLessThan(ModelStats.of(TestModels.tinyConfig(), plan.source()).parameters());
        }
    }

    private static Shape shape(VisionTransformer model, String name) {
        return model.namedParameters().get(name).getArray().getShape();
    }

    /** Logits of fixed images; with a plan, the plan's removed units are masked to 0. */
    private static float[] logits(VisionTransformer model, PruningPlan plan) {
        try (NDManager scope = model.newScope()) {
            NDArray tokens = model.embed(TestModels.images(model.config(), 3, 42, scope));
            for (int b = 0; b < model.structure().depth(); b++) {
                NDArray attention = plan == null ? null : mask(scope, plan.block(b).keptAttentionChannels(), model.structure().block(b).attentionWidth());
                NDArray mlp = plan == null ? null : mask(scope, plan.block(b).keptMlpUnits(), model.structure().block(b).mlpWidth());
                tokens = model.block(b, tokens, attention, mlp);
            }
            return model.classify(tokens).toFloatArray();
        }
    }

    private static NDArray mask(NDManager manager, int[] kept, int width) {
        float[] values = new float[width];
        for (int unit : kept) {
            values[unit] = 1f;
        }
        return manager.create(values);
    }

    /** A random plan of the given kind for any (also ragged) structure. */
    private static PruningPlan randomPlan(ModelStructure structure, Kind kind, Random random) {
        List<BlockPlan> blocks = new ArrayList<>();
        int uniformRemoved = -1;
        for (BlockStructure block : structure.blocks()) {
            int inner = block.attentionWidth();
            int[] offsets = block.headOffsets();
            int[] attention = switch (kind) {
                case UNIFORM -> {
                    uniformRemoved = uniformRemoved >= 0 ? uniformRemoved : 1 + random.nextInt(Math.max(1, inner - 1));
                    yield subset(random, inner, Math.max(1, inner - uniformRemoved));
                }
                case RAGGED -> subset(random, inner, 1 + random.nextInt(inner));
                case WHOLE_HEADS, COMBINED -> {
                    List<Integer> heads = new ArrayList<>(IntStream.range(0, block.heads()).boxed().toList());
                    java.util.Collections.shuffle(heads, random);
                    int dropped = block.heads() == 1 ? 0 : 1 + random.nextInt(block.heads() - 1);
                    yield heads.subList(dropped, heads.size()).stream()
                            .flatMapToInt(h -> IntStream.range(offsets[h], offsets[h + 1]))
                            .filter(c -> kind == Kind.WHOLE_HEADS || random.nextInt(3) > 0 || c == offsets[heads.get(dropped)])
                            .toArray();
                }
                case ONE_CHANNEL_HEAD -> {
                    int head = random.nextInt(block.heads());
                    int channel = offsets[head] + random.nextInt(offsets[head + 1] - offsets[head]);
                    yield IntStream.range(0, inner).filter(c -> c == channel || c < offsets[head] || c >= offsets[head + 1]).toArray();
                }
                case MLP_ONLY -> IntStream.range(0, inner).toArray();
            };
            int[] mlp = kind == Kind.MLP_ONLY || kind == Kind.COMBINED
                    ? subset(random, block.mlpWidth(), 1 + random.nextInt(block.mlpWidth()))
                    : IntStream.range(0, block.mlpWidth()).toArray();
            blocks.add(new BlockPlan(attention, mlp));
        }
        return new PruningPlan(structure, blocks);
    }

    private static int[] subset(Random random, int n, int count) {
        List<Integer> all = new ArrayList<>(IntStream.range(0, n).boxed().toList());
        java.util.Collections.shuffle(all, random);
        return all.subList(0, count).stream().mapToInt(Integer::intValue).sorted().toArray();
    }
}
