package io.vitprune.strategies.vtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.UnitKind;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Select by |g|, fold, remove: the pruned network is the gated one with the removed units' gates at 0. */
class VtpPruningTest {
    @Test
    void pruningRemovesTheTargetShareOfLowestGatesAndComputesWhatTheGatedModelComputesWithThemAtZero() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer network = TestModels.tiny(11, manager);
                GatedModel gated = Fixtures.randomlyGated(network, 12, manager)) {
            for (UnitKind kind : List.of(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT)) {
                PruningPlan plan = VtpPruning.plan(gated, new PruningTarget(kind, 0.5), VtpPruning.globalSelector());
                int total = network.structure().totalUnits(kind);
                try (VisionTransformer pruned = VtpPruning.apply(gated, plan, manager);
                        GatedModel masked = zeroRemoved(gated, plan, manager);
                        NDManager scope = masked.newScope()) {
                    NDArray images = TestModels.images(network.config(), 4, 13, scope);

                    assertThat(pruned.structure().totalUnits(kind)).as(kind.id()).isEqualTo(total - total / 2);
                    assertThat(TestModels.maxAbsDifference(pruned.logits(images), masked.logits(images))).as(kind.id()).isLessThan(1e-5f);
                    assertRemovedHaveTheLowestScores(gated, plan, kind);
                }
            }
        }
    }

    @Test
    void theOneCallPipelinePrunesTheGateTrainedNetwork() throws IOException {
        Cifar10 images = Fixtures.SAMPLE.randomSample(32, 4);
        VtpSettings settings = new VtpSettings(1, 1e-2, 1e-2, 1e-2, 16, 3);
        PruningTarget target = new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.25);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reference = TestModels.tiny(3, manager);
                VisionTransformer pruned = VtpPruning.prune(reference, images, target, settings, manager);
                GatedModel gated = VtpGates.train(reference, images, settings, manager);
                VisionTransformer byHand = VtpPruning.apply(gated, VtpPruning.plan(gated, target, VtpPruning.globalSelector()), manager);
                NDManager scope = pruned.newScope()) {
            NDArray batch = TestModels.images(reference.config(), 4, 5, scope);

            assertThat(pruned.structure().totalUnits(UnitKind.ATTENTION_CHANNEL)).isEqualTo(24);
            assertThat(pruned.structure().totalUnits(UnitKind.MLP_UNIT)).isEqualTo(48);
            assertThat(pruned.logits(batch).toFloatArray()).containsExactly(byHand.logits(batch).toFloatArray());
            assertThat(TestModels.maxAbsDifference(pruned.logits(batch), reference.logits(batch))).as("trained, not the reference").isGreaterThan(1e-4f);
        }
    }

    @Test
    void aThresholdRemovesTheUnitsWhoseGatesAreBelowItAndABlockKeepsItsHighest() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer network = TestModels.tiny(11, manager)) {
            float[] attention0 = new float[16];
            float[] attention1 = new float[16];
            Arrays.fill(attention0, 0.2f);
            Arrays.fill(attention1, 0.01f);
            attention0[3] = -0.7f;
            attention0[9] = 0.5f;
            attention1[6] = 0.02f;
            List<float[]> mlp = List.of(new float[24], new float[24]);
            try (GatedModel gated = GatedModel.of(Fixtures.copy(network, manager), List.of(attention0, attention1), mlp, 0)) {
                PruningPlan plan = VtpPruning.threshold(gated, UnitKind.ATTENTION_CHANNEL, 0.5);

                assertThat(plan.block(0).keptAttentionChannels()).containsExactly(3, 9);
                assertThat(plan.block(1).keptAttentionChannels()).containsExactly(6);
                assertThat(plan.block(0).keptMlpUnits()).hasSize(24);
                assertThatThrownBy(() -> VtpPruning.threshold(gated, UnitKind.MLP_UNIT, -1))
                        .isInstanceOf(InvalidInputException.class)
                        .hasMessage("VTP gate threshold -1.0: expected a finite number >= 0");
            }
        }
    }

    /** A copy of the gated model whose gates are 0 where {@code plan} removes the unit. */
    private static GatedModel zeroRemoved(GatedModel gated, PruningPlan plan, NDManager manager) {
        List<float[]> attention = new ArrayList<>();
        List<float[]> mlp = new ArrayList<>();
        for (int b = 0; b < gated.structure().depth(); b++) {
            attention.add(keepOnly(gated.attentionGates().get(b), plan.block(b).keptAttentionChannels()));
            mlp.add(keepOnly(gated.mlpGates().get(b), plan.block(b).keptMlpUnits()));
        }
        return GatedModel.of(Fixtures.copy(gated.network(), manager), attention, mlp, 0);
    }

    private static float[] keepOnly(float[] gates, int[] kept) {
        float[] result = new float[gates.length];
        for (int i : kept) {
            result[i] = gates[i];
        }
        return result;
    }

    /** Global selection by |g|: no removed unit scores above a kept one (min-kept does not bind at ratio 0.5). */
    private static void assertRemovedHaveTheLowestScores(GatedModel gated, PruningPlan plan, UnitKind kind) {
        float highestRemoved = Float.NEGATIVE_INFINITY;
        float lowestKept = Float.POSITIVE_INFINITY;
        for (int b = 0; b < gated.structure().depth(); b++) {
            float[] scores = gated.scores(kind).block(b);
            boolean[] kept = kept(plan.block(b), kind, gated.structure().block(b).headOffsets(), scores.length);
            for (int i = 0; i < scores.length; i++) {
                if (kept[i]) {
                    lowestKept = Math.min(lowestKept, scores[i]);
                } else {
                    highestRemoved = Math.max(highestRemoved, scores[i]);
                }
            }
        }
        assertThat(highestRemoved).as(kind.id()).isLessThanOrEqualTo(lowestKept);
    }

    private static boolean[] kept(BlockPlan block, UnitKind kind, int[] headOffsets, int units) {
        boolean[] kept = new boolean[units];
        int[] indices = kind == UnitKind.MLP_UNIT ? block.keptMlpUnits() : block.keptAttentionChannels();
        for (int index : indices) {
            if (kind == UnitKind.ATTENTION_HEAD) {
                int head = 0;
                while (index >= headOffsets[head + 1]) {
                    head++;
                }
                kept[head] = true;
            } else {
                kept[index] = true;
            }
        }
        return kept;
    }
}
