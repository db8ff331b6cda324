package io.vitprune.strategies.vtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Folding real-valued gates into the weights computes what the gated model computes. */
class GateFoldingTest {
    @Test
    void theFoldedNetworkComputesWhatTheGatedModelComputes() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer tiny = TestModels.tiny(5, manager)) {
            // A ragged network too (heads of widths 3, 3, 2, 1 in block 0), as pruning leaves them.
            PruningPlan ragged = new PruningPlan(tiny.structure(), List.of(
                    new BlockPlan(new int[] {0, 1, 2, 4, 5, 8, 12, 13, 15}, new int[] {0, 3, 4, 7, 9, 10, 20, 23}),
                    BlockPlan.keepAll(tiny.structure().block(1))));
            for (VisionTransformer network : List.of(tiny, Surgery.apply(tiny, ragged, manager))) {
                for (long seed = 1; seed <= 3; seed++) {
                    try (GatedModel gated = Fixtures.randomlyGated(network, seed, manager);
                            VisionTransformer folded = gated.fold(manager);
                            NDManager scope = gated.newScope()) {
                        NDArray images = TestModels.images(network.config(), 4, seed, scope);

                        assertThat(TestModels.maxAbsDifference(folded.logits(images), gated.logits(images))).as("seed " + seed).isLessThan(1e-5f);
                        assertThat(TestModels.maxAbsDifference(folded.logits(images), network.logits(images))).as("the gates matter").isGreaterThan(1e-2f);
                    }
                }
            }
        }
    }

    @Test
    void foldingLeavesTheNetworkUntouched() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer network = TestModels.tiny(6, manager)) {
            Map<String, float[]> before = Fixtures.weights(network);
            Fixtures.Gates gates = Fixtures.gaussianGates(network.structure(), 7);
            GateFolding.fold(network, gates.attention(), gates.mlp(), manager).close();

            Map<String, float[]> after = Fixtures.weights(network);
            before.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
        }
    }

    @Test
    void gatesOfTheWrongLengthAreRefusedNamingTheBlock() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer network = TestModels.tiny(6, manager)) {
            List<float[]> attention = List.of(new float[16], new float[15]);
            List<float[]> mlp = List.of(new float[24], new float[24]);

            assertThatThrownBy(() -> GateFolding.fold(network, attention, mlp, manager))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessage("attention gates of block 1 have length 15: expected 16 (one per unit)");
            assertThatThrownBy(() -> GateFolding.fold(network, List.of(new float[16]), mlp, manager))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("expected 2 of each, one per block of the model");
        }
    }
}
