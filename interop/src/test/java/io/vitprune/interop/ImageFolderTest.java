package io.vitprune.interop;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.ImageFolder;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.train.Evaluation;
import io.vitprune.core.train.Objective;
import io.vitprune.core.train.TrainingOptions;
import io.vitprune.core.train.TrainingRun;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Imported timm models on a folder of images: timm's preprocessing, pruning by weights and by data, pruned == masked. */
class ImageFolderTest {
    private static final Path FIXTURES = Path.of("src/test/resources/timm");

    @Test
    void imagesArePreprocessedCloseToTimmsOwnTransform() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve("vit"), manager)) {
            ImageFolder folder = ImageFolder.open(FIXTURES.resolve("images"), model.config().preprocessing());
            NDList batch = folder.batch(manager, 0, folder.size());
            NDArray timm;
            try (InputStream in = Files.newInputStream(FIXTURES.resolve("images-timm-preprocessed.safetensors"))) {
                timm = NDList.decode(manager, in).get(0);
            }

            assertThat(folder.classes()).containsExactly("rings", "stripes");
            assertThat(batch.get(0).getShape()).isEqualTo(new Shape(6, 3, 32, 32));
            assertThat(batch.get(1).toLongArray()).containsExactly(0, 0, 0, 1, 1, 1);
            NDArray difference = batch.get(0).sub(timm).abs();
            float mean = difference.mean().getFloat();
            float max = difference.max().getFloat();
            System.out.printf("ImageFolderTest: |vitprune - timm| preprocessing, normalised units: mean %.4f, max %.4f%n", mean, max);
            // Java2D's bicubic is not PIL's (timm's): close, not equal. One 8-bit level is 2 / 255 = 0.008 here.
            assertThat(mean).isLessThan(0.05f);
            assertThat(max).isLessThan(0.5f);
        }
    }

    /** Every timm variant vitprune imports, by a weight scorer and by a data-driven one scoring the image folder. */
    @ParameterizedTest(name = "{0} by {1}")
    @CsvSource({"vit, weight-l1", "vit, kd-importance", "vit-avg, weight-l1", "vit-avg, kd-importance", "vit-layerscale, weight-l1",
            "vit-layerscale, kd-importance", "deit-distilled, weight-l1", "deit-distilled, kd-importance"})
    void anImportedModelIsPrunedOnAnImageFolderAndPrunedEqualsMasked(String fixture, String scorer) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TimmCheckpoint.read(FIXTURES.resolve(fixture), manager)) {
            ImageFolder folder = ImageFolder.open(FIXTURES.resolve("images"), model.config().preprocessing());
            StrategyRegistry registry = StrategyRegistry.load();
            ScoringContext context = new ScoringContext(Optional.of(folder), manager, 0, 3, io.vitprune.api.ProgressListener.NONE);
            PruningPlan plan = Pruning.plan(model, registry.scorer(scorer).create(StrategySettings.EMPTY),
                    registry.selector("global").create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5), context);
            try (VisionTransformer pruned = Surgery.apply(model, plan, manager)) {
                NDArray images = folder.batch(manager, 0, folder.size()).get(0);
                assertThat(ModelStats.of(pruned).parameters()).as("physically smaller").isLessThan(ModelStats.of(model).parameters());
                assertThat(pruned.logits(images).sub(masked(model, plan, images)).abs().max().getFloat()).isLessThan(1e-4f);
                assertThat(Evaluation.top1(pruned, folder, 4, null).total()).isEqualTo(6);
            }
        }
    }

    @Test
    void anImportedModelFineTunesOnAnImageFolderReproducibly(@org.junit.jupiter.api.io.TempDir Path temp) throws IOException {
        float[][] weights = new float[2][];
        for (int run = 0; run < 2; run++) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Preprocessing preprocessing = TimmCheckpoint.read(FIXTURES.resolve("vit"), manager).config().preprocessing();
                ImageFolder folder = ImageFolder.open(FIXTURES.resolve("images"), preprocessing);
                TrainingOptions options = new TrainingOptions(2, 3, 1e-3, 1e-4, 0.05, 0, 0.0, 5, 1.0);
                TrainingRun training = new TrainingRun(options, Objective.crossEntropy(0), folder, folder, temp.resolve("run" + run),
                        new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
                try (VisionTransformer tuned = training.run(() -> readUnchecked(manager), manager)) {
                    weights[run] = tuned.namedParameters().get("block00.qkv_bias").getArray().toFloatArray();
                }
                try (VisionTransformer original = TimmCheckpoint.read(FIXTURES.resolve("vit"), manager)) {
                    assertThat(weights[run]).as("trained").isNotEqualTo(original.namedParameters().get("block00.qkv_bias").getArray().toFloatArray());
                }
            }
        }
        assertThat(weights[1]).as("same seed, same shuffles and crops").containsExactly(weights[0]);
    }

    @Test
    void aModelOfOtherPreprocessingIsNotTrainedOnTheFolder(@org.junit.jupiter.api.io.TempDir Path temp) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            ImageFolder folder = ImageFolder.open(FIXTURES.resolve("images"), Preprocessing.cifar10Normalised(32));
            TrainingRun training = new TrainingRun(new TrainingOptions(1, 3, 1e-3, 1e-4, 0.05, 0, 0.0, 5, 1.0), Objective.crossEntropy(0), folder,
                    null, temp, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> training.run(() -> readUnchecked(manager), manager))
                    .isInstanceOf(io.vitprune.api.InvalidInputException.class).hasMessageContaining("cannot be trained on these images");
        }
    }

    private static VisionTransformer readUnchecked(NDManager manager) {
        try {
            return TimmCheckpoint.read(FIXTURES.resolve("vit"), manager);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void foldersNamedByNumbersAreThoseLabels(@org.junit.jupiter.api.io.TempDir Path temp) throws IOException {
        for (String label : new String[] {"7", "3"}) {
            Files.createDirectories(temp.resolve(label));
            Files.copy(FIXTURES.resolve("images/rings/0.png"), temp.resolve(label).resolve("a.png"));
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            ImageFolder folder = ImageFolder.open(temp, Preprocessing.cifar10Normalised(32));
            assertThat(folder.batch(manager, 0, 2).get(1).toLongArray()).containsExactly(3, 7);
        }
    }

    /** {@code model}'s logits with the units {@code plan} removes masked to zero. */
    private static NDArray masked(VisionTransformer model, PruningPlan plan, NDArray images) {
        NDArray tokens = model.embed(images);
        for (int b = 0; b < model.structure().depth(); b++) {
            float[] attention = new float[model.structure().block(b).attentionWidth()];
            for (int channel : plan.block(b).keptAttentionChannels()) {
                attention[channel] = 1;
            }
            float[] mlp = new float[model.structure().block(b).mlpWidth()];
            for (int unit : plan.block(b).keptMlpUnits()) {
                mlp[unit] = 1;
            }
            tokens = model.block(b, tokens, images.getManager().create(attention), images.getManager().create(mlp));
        }
        return model.classify(tokens);
    }
}
