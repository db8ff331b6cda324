package io.vitprune.strategies.tokens;

import static io.vitprune.core.testing.TestModels.images;
import static io.vitprune.core.testing.TestModels.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.TokenPruning;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TinyTokenModel;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.tokens.TokenStrategies;
import java.util.List;
import org.junit.jupiter.api.Test;

/** DynamicViT's gathered inference equals its masked training forward; the cls-attention baseline composes with top-k. */
class TokenPrunedModelTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    @Test
    void atKeepRatioOneTheOutputIsTheBackbones() {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer reference = TinyTokenModel.model(1, manager);
            for (String scorer : List.of("dynamicvit", "cls-attention")) {
                try (TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(1, manager), new TokenPruning(List.of(1, 2), 1.0),
                        TokenStrategies.of(scorer, "top-k"), REGISTRY, 3); NDManager scope = model.newScope()) {
                    NDArray x = images(TinyTokenModel.CONFIG, 5, 2, scope);
                    assertThat(maxAbsDifference(model.logits(x), reference.logits(x))).as(scorer).isLessThanOrEqualTo(1e-6f);
                }
            }
            reference.close();
        }
    }

    @Test
    void gatheredInferenceEqualsMaskedAttentionWithTheSameHardDecisions() {
        try (NDManager manager = NDManager.newBaseManager()) {
            DynamicVitTrainee trainee = new DynamicVitTrainee(TinyTokenModel.model(4, manager), DynamicVitSettings.defaults(TinyTokenModel.PRUNING, 1, 5));
            TinyTokenModel.randomize(trainee.extraParameters(), 6);
            try (NDManager scope = trainee.newScope()) {
                NDArray x = images(TinyTokenModel.CONFIG, 6, 7, scope);
                NDArray masked = trainee.maskedLogits(x);
                NDArray maskedTokens = trainee.lastPatchTokens();
                List<NDArray> decisions = trainee.lastDecisions();
                try (TokenPrunedModel gathered = trainee.toInferenceModel()) {
                    TokenPrunedModel.Pass pass = gathered.forward(x, true);

                    assertThat(maxAbsDifference(pass.logits(), masked)).isLessThan(1e-5f);
                    // Kept tokens after the last block: the gathered ones equal the masked model's at the same positions.
                    NDArray kept = pass.keptPatches().get(1);
                    assertThat(kept.getShape()).isEqualTo(new Shape(6, 7)); // int(16 * 0.49)
                    NDArray gatheredTokens = gathered.backbone().finalNorm(pass.tokens()).get(new NDIndex(":, 1:, :"));
                    NDArray maskedKept = maskedTokens.gather(kept.reshape(6, 7, 1).repeat(2, 16), 1);
                    assertThat(maxAbsDifference(gatheredTokens, maskedKept)).isLessThan(1e-5f);
                    // The masked model dropped exactly the tokens the gathered one did not keep.
                    assertThat(decisions.get(1).sum(new int[] {1}).toFloatArray()).containsOnly(7f);
                    assertThat(decisions.get(1).gather(kept, 1).min().getFloat()).isEqualTo(1f);
                }
            }
        }
    }

    @Test
    void theClassAttentionBaselineComposesWithTopK() {
        try (NDManager manager = NDManager.newBaseManager();
             TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(12, manager), TinyTokenModel.PRUNING, TokenStrategies.of("cls-attention", "top-k"),
                     REGISTRY, 0); NDManager scope = model.newScope()) {
            NDArray x = images(TinyTokenModel.CONFIG, 4, 13, scope);
            TokenPrunedModel.Pass pass = model.forward(x, true);
            assertThat(pass.logits().getShape()).isEqualTo(new Shape(4, 10));
            assertThat(model.scorerParameters()).isEmpty();
            // Stage 1 keeps the 11 patches the class token attended to most in block 0.
            var block0 = model.backbone().block(0, model.backbone().embed(x), null, true);
            assertThat(block0.classAttention().sum(new int[] {1}).toFloatArray()).containsOnly(new float[] {1f, 1f, 1f, 1f},
                    org.assertj.core.data.Offset.offset(1e-5f));
            NDArray expected = block0.classAttention().get(new NDIndex(":, 1:")).topK(11, -1, true, false).get(1).sort(-1);
            assertThat(pass.keptPatches().get(0).toLongArray()).containsExactly(expected.toLongArray());
        }
    }

    @Test
    void theClassAttentionScorerRefusesAStageBeforeBlockZero() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TinyTokenModel.model(1, manager)) {
            assertThatThrownBy(() -> TokenPrunedModel.compose(model, new TokenPruning(List.of(0, 2), 0.7), TokenStrategies.of("cls-attention", "top-k"),
                    REGISTRY, 0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("cls-attention").hasMessageContaining("stages >= 1");
        }
    }
}
