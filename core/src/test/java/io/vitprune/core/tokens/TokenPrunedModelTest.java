package io.vitprune.core.tokens;

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
import io.vitprune.core.testing.LinearTokenScorer;
import io.vitprune.core.testing.TinyTokenModel;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gathered inference model with core's fixture scorer: exact at keep ratio 1, nested stages, fewer MACs, bad input named. */
class TokenPrunedModelTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    @Test
    void atKeepRatioOneTheOutputIsTheBackbones() {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer reference = TinyTokenModel.model(1, manager);
            for (String scorer : List.of(LinearTokenScorer.NAME)) {
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
    void aTokenModelOfAnotherPreprocessingIsNotEvaluatedOnCifar10() {
        io.vitprune.core.model.VitConfig timm = io.vitprune.core.testing.TestModels.tinyTimmConfig();
        io.vitprune.core.model.VitConfig config = new io.vitprune.core.model.VitConfig(timm.imageSize(), timm.patchSize(), timm.dim(), timm.depth(),
                timm.heads(), timm.dimHead(), timm.mlpDim(), timm.classes(),
                timm.topology().withPooling(io.vitprune.core.model.Topology.Pooling.CLASS_TOKEN),
                new io.vitprune.core.data.Preprocessing(32, 35, "bicubic", List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5)));
        io.vitprune.core.data.Cifar10 cifar = io.vitprune.core.data.Cifar10.read(java.nio.file.Path.of("../data/cifar10-test-sample-1000.bin")).limit(4);
        try (NDManager manager = NDManager.newBaseManager();
             TokenPrunedModel model = TokenPrunedModel.compose(io.vitprune.core.testing.TestModels.random(config, config.initialStructure(), 3, manager),
                     new TokenPruning(List.of(1), 0.5), TokenStrategies.of(LinearTokenScorer.NAME, "top-k"), REGISTRY, 9)) {
            assertThatThrownBy(() -> io.vitprune.core.train.Evaluation.top1(model, cifar, 4, null))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("cannot be evaluated on these images");
        }
    }

    @Test
    void aModelThatAveragesItsPatchTokensIsRefused() {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer averaging = io.vitprune.core.testing.TestModels.tinyTimm(3, manager);
            assertThatThrownBy(() -> TokenPrunedModel.compose(averaging, new TokenPruning(List.of(1), 0.5),
                    TokenStrategies.of(LinearTokenScorer.NAME, "top-k"), REGISTRY, 9))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("classifies its class token").hasMessageContaining("AVERAGE");
        }
    }

    @Test
    void aDistilledModelIsRefusedByTokenPruningAndTokenReducers() {
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer distilled = io.vitprune.core.testing.TestModels.tinyDistilled(3, manager);
            assertThatThrownBy(() -> TokenPrunedModel.compose(distilled, new TokenPruning(List.of(1), 0.5),
                    TokenStrategies.of(LinearTokenScorer.NAME, "top-k"), REGISTRY, 9))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("token pruning needs a model that classifies its class token alone")
                    .hasMessageContaining("distillation token");
            assertThatThrownBy(() -> TokenReducedModel.compose(distilled, "tome", null, REGISTRY, 9))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("token reducer 'tome'").hasMessageContaining("distillation token");
        }
    }

    @Test
    void eachStageKeepsIntOfNTimesRhoToTheSPatchTokensPlusTheClassToken() {
        try (NDManager manager = NDManager.newBaseManager();
             TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(8, manager), TinyTokenModel.PRUNING, TokenStrategies.of(LinearTokenScorer.NAME, "top-k"),
                     REGISTRY, 9)) {
            TinyTokenModel.randomize(model.scorerParameters(), 10);
            assertThat(model.tokensPerBlock()).containsExactly(17, 12, 8, 8);
            try (NDManager scope = model.newScope()) {
                TokenPrunedModel.Pass pass = model.forward(images(TinyTokenModel.CONFIG, 3, 11, scope), true);
                assertThat(pass.keptPatches()).hasSize(2);
                assertThat(pass.keptPatches().get(0).getShape()).isEqualTo(new Shape(3, 11));
                assertThat(pass.tokens().getShape()).isEqualTo(new Shape(3, 8, 16));
                // Stage 2 keeps a subset of stage 1's tokens, each image its own.
                for (int image = 0; image < 3; image++) {
                    List<Long> first = boxed(pass.keptPatches().get(0).get(image).toLongArray());
                    assertThat(boxed(pass.keptPatches().get(1).get(image).toLongArray())).allMatch(first::contains).doesNotHaveDuplicates();
                }
            }
        }
    }

    @Test
    void theTokenPrunedModelReportsFewerMacsIncludingItsPredictors() {
        try (NDManager manager = NDManager.newBaseManager();
             TokenPrunedModel model = TokenPrunedModel.compose(TinyTokenModel.model(8, manager), TinyTokenModel.PRUNING, TokenStrategies.of(LinearTokenScorer.NAME, "top-k"),
                     REGISTRY, 9)) {
            ModelStats base = ModelStats.of(model.backbone());
            ModelStats pruned = model.stats();
            long predictorMacs = 16 * 16 + 11 * 16; // the fixture scores each patch token with one dim-16 product
            assertThat(pruned.macsPerImage()).isEqualTo(ModelStats.of(TinyTokenModel.CONFIG, model.structure(), new int[] {17, 12, 8, 8}).macsPerImage()
                    + predictorMacs).isLessThan(base.macsPerImage());
            assertThat(pruned.parameters()).isEqualTo(base.parameters() + 2L * 16);
        }
    }

    @Test
    void badTokenPruningInputIsRejectedNamingIt() {
        assertThatThrownBy(() -> new TokenPruning(List.of(2, 4), 0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("rho 0.0")
                .hasMessageContaining("(0, 1]");
        assertThatThrownBy(() -> new TokenPruning(List.of(2, 4), 1.5)).isInstanceOf(InvalidInputException.class).hasMessageContaining("rho 1.5");
        assertThatThrownBy(() -> new TokenPruning(List.of(4, 2), 0.7)).isInstanceOf(InvalidInputException.class).hasMessageContaining("increasing");
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer model = TinyTokenModel.model(1, manager);
            assertThatThrownBy(() -> TokenPrunedModel.compose(model, new TokenPruning(List.of(1, 4), 0.7), TokenStrategies.of(LinearTokenScorer.NAME, "top-k"),
                    REGISTRY, 0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("block 4").hasMessageContaining("blocks 0..3");
            assertThatThrownBy(() -> TokenPrunedModel.compose(model, TinyTokenModel.PRUNING, TokenStrategies.of("nope", "top-k"), REGISTRY, 0))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("unknown token scorer 'nope'").hasMessageContaining(LinearTokenScorer.NAME);
            model.close();
        }
    }

    private static List<Long> boxed(long[] values) {
        return java.util.Arrays.stream(values).boxed().toList();
    }
}
