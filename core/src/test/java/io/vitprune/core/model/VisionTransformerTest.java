package io.vitprune.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.BaseNDManager;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.testing.TestModels;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VisionTransformerTest {
    private NDManager manager;
    private VisionTransformer model;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(11, manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void logitsHaveOneRowPerImageAndOneColumnPerClass() {
        try (NDManager scope = model.newScope()) {
            NDArray logits = model.logits(TestModels.images(model.config(), 5, 1, scope));
            assertThat(logits.getShape()).isEqualTo(new Shape(5, 10));
            assertThat(logits.isInfinite().any().getBoolean() || logits.isNaN().any().getBoolean()).isFalse();
        }
    }

    @Test
    void logitsEqualTheStagesRunByHand() {
        try (NDManager scope = model.newScope()) {
            NDArray images = TestModels.images(model.config(), 3, 2, scope);
            NDArray tokens = model.embed(images);
            assertThat(tokens.getShape()).isEqualTo(new Shape(3, 17, 16));
            for (int b = 0; b < model.structure().depth(); b++) {
                tokens = model.block(b, tokens, null, null);
            }
            assertThat(model.logits(images).toFloatArray()).containsExactly(model.classify(tokens).toFloatArray());
        }
    }

    @Test
    void aDistilledModelAveragesItsClassAndDistillationHeads() {
        try (VisionTransformer distilled = TestModels.tinyDistilled(5, manager); NDManager scope = distilled.newScope()) {
            NDArray images = TestModels.images(distilled.config(), 3, 2, scope);
            NDArray tokens = distilled.embed(images);
            assertThat(tokens.getShape()).isEqualTo(new Shape(3, 18, 16));
            for (int b = 0; b < distilled.structure().depth(); b++) {
                tokens = distilled.block(b, tokens, null, null);
            }
            java.util.Map<String, ai.djl.nn.Parameter> p = distilled.namedParameters();
            NDArray normed = ai.djl.nn.norm.LayerNorm.layerNorm(tokens.get(":, 0:2, :"), new Shape(16), p.get("final_norm_gamma").getArray(),
                    p.get("final_norm_beta").getArray(), 1e-6f).singletonOrThrow();
            NDArray classHead = normed.get(":, 0, :").matMul(p.get("head_weight").getArray().transpose()).add(p.get("head_bias").getArray());
            NDArray distillationHead = normed.get(":, 1, :").matMul(p.get("head_dist_weight").getArray().transpose()).add(p.get("head_dist_bias").getArray());

            assertThat(TestModels.maxAbsDifference(distilled.logits(images), classHead.add(distillationHead).div(2))).isLessThan(1e-5f);
            assertThat(TestModels.maxAbsDifference(classHead, distillationHead)).as("the heads differ, so both count").isGreaterThan(0.1f);
        }
    }

    @Test
    void aDistillationTokenNeedsClassTokenPooling() {
        assertThatThrownBy(() -> Topology.timm(1e-6).withPooling(Topology.Pooling.AVERAGE).withDistillationToken(true))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("a distillation token with AVERAGE pooling: expected class-token pooling");
    }

    @Test
    void masksOfOnesEqualNoMask() {
        try (NDManager scope = model.newScope()) {
            NDArray tokens = model.embed(TestModels.images(model.config(), 2, 3, scope));
            NDArray plain = model.block(0, tokens, null, null);
            NDArray shared = model.block(0, tokens, scope.ones(new Shape(16)), scope.ones(new Shape(24)));
            NDArray perImage = model.block(0, tokens, scope.ones(new Shape(2, 16)), scope.ones(new Shape(2, 24)));
            assertThat(shared.toFloatArray()).containsExactly(plain.toFloatArray());
            assertThat(perImage.toFloatArray()).containsExactly(plain.toFloatArray());
        }
    }

    @Test
    void aModelWithRaggedHeadsRuns() {
        ModelStructure ragged = new ModelStructure(16, List.of(
                new BlockStructure(List.of(8, 4, 4, 2), 24), new BlockStructure(List.of(5), 3)));
        try (VisionTransformer pruned = TestModels.random(TestModels.tinyConfig(), ragged, 4, manager);
             NDManager scope = pruned.newScope()) {
            NDArray logits = pruned.logits(TestModels.images(pruned.config(), 2, 4, scope));
            assertThat(logits.getShape()).isEqualTo(new Shape(2, 10));
            assertThat(pruned.weight(0, io.vitprune.api.ModelPart.QKV_WEIGHT).getShape()).isEqualTo(new Shape(54, 16));
        }
    }

    @Test
    void paddedHeadsGiveTheGroupedOutput() {
        ModelStructure ragged = new ModelStructure(16, List.of(
                new BlockStructure(List.of(8, 4, 4, 2, 1), 24), new BlockStructure(List.of(5, 3, 3), 3)));
        try (VisionTransformer pruned = TestModels.random(TestModels.tinyConfig(), ragged, 4, manager);
             NDManager scope = pruned.newScope()) {
            NDArray images = TestModels.images(pruned.config(), 3, 4, scope);
            float[] grouped = pruned.logits(images).toFloatArray();
            float[] padded = pruned.setHeadExecution(TransformerBlock.HeadExecution.PADDED).logits(images).toFloatArray();
            pruned.setHeadExecution(TransformerBlock.HeadExecution.GROUPED);

            assertThat(padded).containsExactly(grouped, org.assertj.core.data.Offset.offset(1e-5f));
            assertThat(pruned.logits(images).toFloatArray()).containsExactly(grouped);
        }
    }

    @Test
    void autoExecutionPadsASingleImageAndGroupsABatch() {
        TransformerBlock ragged = new TransformerBlock(new BlockStructure(List.of(8, 4, 2), 24), 0.25f, Topology.VIT_PYTORCH);
        assertThat(ragged.runsPadded(1)).as("AUTO, the default, at batch 1").isTrue();
        assertThat(ragged.runsPadded(2)).as("AUTO at batch 2").isFalse();
        ragged.setHeadExecution(TransformerBlock.HeadExecution.GROUPED);
        assertThat(ragged.runsPadded(1)).isFalse();
        ragged.setHeadExecution(TransformerBlock.HeadExecution.PADDED);
        assertThat(ragged.runsPadded(32)).isTrue();
        TransformerBlock oneWidth = new TransformerBlock(new BlockStructure(List.of(4, 4), 24), 0.25f, Topology.VIT_PYTORCH);
        oneWidth.setHeadExecution(TransformerBlock.HeadExecution.PADDED);
        assertThat(oneWidth.runsPadded(1)).as("one width: nothing to pad").isFalse();
    }

    @Test
    void thePaddedLayoutSpreadsEachHeadToTheWidestAndTakesTheRealChannelsBack() {
        TransformerBlock.PaddedHeads layout = TransformerBlock.PaddedHeads.of(new BlockStructure(List.of(2, 1), 4));

        assertThat(layout.width()).isEqualTo(2);
        // q of head 0, q of head 1 (one channel, then the zero column 9), k ..., v ...
        assertThat(layout.spread()).containsExactly(0, 1, 2, 9, 3, 4, 5, 9, 6, 7, 8, 9);
        assertThat(layout.compact()).containsExactly(0, 1, 2);
    }

    @Test
    void paddedHeadsLeaveNothingBehindTheirScope() {
        ModelStructure ragged = new ModelStructure(16, List.of(new BlockStructure(List.of(8, 4), 24), new BlockStructure(List.of(5, 3), 3)));
        try (VisionTransformer pruned = TestModels.random(TestModels.tinyConfig(), ragged, 4, manager)
                .setHeadExecution(TransformerBlock.HeadExecution.PADDED)) {
            int before = managed(pruned.manager());
            for (int i = 0; i < 3; i++) {
                try (NDManager scope = pruned.newScope()) {
                    pruned.logits(TestModels.images(pruned.config(), 2, i, scope));
                }
                assertThat(managed(pruned.manager())).isEqualTo(before);
            }
        }
    }

    @Test
    void closingAScopeFreesEveryTemporary() {
        int before = managed(model.manager());
        for (int i = 0; i < 5; i++) {
            try (NDManager scope = model.newScope()) {
                model.logits(TestModels.images(model.config(), 2, i, scope));
                assertThat(managed(model.manager())).isGreaterThan(before);
            }
            assertThat(managed(model.manager())).isEqualTo(before);
        }
        // The weights survive the scopes.
        try (NDManager scope = model.newScope()) {
            assertThat(model.logits(TestModels.images(model.config(), 1, 0, scope)).getShape()).isEqualTo(new Shape(1, 10));
        }
    }

    @Test
    void imagesOfTheWrongSizeAreRejected() {
        try (NDManager scope = model.newScope()) {
            assertThatThrownBy(() -> model.embed(scope.zeros(new Shape(1, 3, 28, 28))))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("(1, 3, 28, 28)")
                    .hasMessageContaining("expected (batch, 3, 32, 32)");
        }
    }

    private static int managed(NDManager manager) {
        return ((BaseNDManager) manager).getManagedArrays().size();
    }
}
