package io.vitprune.core.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelStoreTest {
    @TempDir
    Path temp;

    private NDManager manager;
    private VisionTransformer model;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(3, manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void aSavedModelLoadsWithIdenticalLogits() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        try (VisionTransformer loaded = ModelStore.load(directory, manager)) {
            assertThat(loaded.config()).isEqualTo(model.config());
            assertThat(loaded.structure()).isEqualTo(model.structure());
            assertThat(logits(loaded)).containsExactly(logits(model));
        }
    }

    @Test
    void aPrunedModelReloadsFromItsDirectoryAloneAndIsSmaller() throws IOException {
        PruningPlan plan = halfOfEveryBlock(model.structure());
        Path full = temp.resolve("full");
        Path pruned = temp.resolve("pruned");
        ModelStore.save(model, full);
        float[] expected;
        try (VisionTransformer small = Surgery.apply(model, plan, manager)) {
            expected = logits(small);
            ModelStore.save(small, pruned);
        }
        try (NDManager fresh = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(pruned, fresh)) {
            assertThat(loaded.structure()).isEqualTo(plan.resultStructure());
            assertThat(logits(loaded)).containsExactly(expected);
        }
        assertThat(Files.size(pruned.resolve(ModelStore.PARAMETERS))).isLessThan(Files.size(full.resolve(ModelStore.PARAMETERS)));
        assertThat(ModelStore.directorySize(pruned)).isLessThan(ModelStore.directorySize(full));
    }

    @Test
    void savingLeavesNoTemporaryFilesBehind() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        ModelStore.save(model, directory); // replacing an existing copy
        try (var siblings = Files.list(temp)) {
            assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("model");
        }
        try (var files = Files.list(directory)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(ModelStore.MANIFEST, ModelStore.PARAMETERS);
        }
    }

    @Test
    void aMissingDirectoryIsReported() {
        Path missing = temp.resolve("nowhere");
        assertLoadFails(missing, missing.toString(), "expected a directory");
    }

    @Test
    void aDirectoryWithoutManifestIsReported() throws IOException {
        Path directory = Files.createDirectory(temp.resolve("empty"));
        assertLoadFails(directory, directory.toString(), "has no model.json");
    }

    @Test
    void aNewerFormatVersionIsReported() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        ModelStore.Manifest manifest = ModelStore.readManifest(directory);
        writeManifest(directory, new ModelStore.Manifest(manifest.format(), 99, manifest.config(), manifest.structure(), manifest.parametersSha256(), manifest.configSha256()));
        assertLoadFails(directory, directory.toString(), "format version 99", "versions up to " + ModelStore.FORMAT_VERSION);
    }

    @Test
    void truncatedParametersFailTheChecksum() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        Path parameters = directory.resolve(ModelStore.PARAMETERS);
        byte[] bytes = Files.readAllBytes(parameters);
        Files.write(parameters, Arrays.copyOf(bytes, bytes.length / 2));
        assertLoadFails(directory, parameters.toString(), "SHA-256", "truncated");
    }

    @Test
    void aStructureThatDisagreesWithTheWeightsIsReported() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        ModelStore.Manifest manifest = ModelStore.readManifest(directory);
        // The checksum still matches, so it is the shape check that has to catch the wrong widths.
        ModelStructure other = new ModelStructure(16, List.of(BlockStructure.uniform(4, 4, 24), BlockStructure.uniform(4, 4, 12)));
        writeManifest(directory, new ModelStore.Manifest(manifest.format(), manifest.formatVersion(), manifest.config(), other, manifest.parametersSha256(), ModelStore.configSha256(manifest.config(), other)));
        assertLoadFails(directory, directory.toString(), "block01.mlp_in_weight", "(12, 16)");
    }

    @Test
    void anEditedConfigDoesNotLoadOverTheWeightsItWasNotSavedWith() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        Path file = directory.resolve(ModelStore.MANIFEST);
        String manifest = Files.readString(file);
        // dim_head sets only the attention scale: the weights' shapes cannot tell, the config's checksum can.
        Files.writeString(file, manifest.replace("\"dimHead\" : 4", "\"dimHead\" : 2"));
        assertThat(Files.readString(file)).isNotEqualTo(manifest);
        assertLoadFails(directory, file.toString(), "the config was edited after the model was saved", "expected the config");
    }

    @Test
    void aModelSavedBeforeConfigChecksumsLoads() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        ModelStore.Manifest manifest = ModelStore.readManifest(directory);
        writeManifest(directory, new ModelStore.Manifest(manifest.format(), manifest.formatVersion(), manifest.config(), manifest.structure(),
                manifest.parametersSha256(), null));
        try (VisionTransformer loaded = ModelStore.load(directory, manager)) {
            assertThat(logits(loaded)).containsExactly(logits(model));
        }
    }

    @Test
    void aDistilledModelSavesAndLoadsWithItsTokenAndSecondHead() throws IOException {
        Path directory = temp.resolve("distilled");
        try (VisionTransformer distilled = TestModels.tinyDistilled(3, manager)) {
            ModelStore.save(distilled, directory);
            assertThat(Files.readString(directory.resolve(ModelStore.MANIFEST))).contains("\"distillationToken\" : true");
            try (VisionTransformer loaded = ModelStore.load(directory, manager)) {
                assertThat(loaded.config()).isEqualTo(distilled.config());
                assertThat(loaded.namedParameters()).containsKeys("distillation_token", "head_dist_weight", "head_dist_bias");
                assertThat(logits(loaded)).containsExactly(logits(distilled));
            }
        }
    }

    @Test
    void aConfigWithoutADistillationTokenIsWrittenAndHashedAsBeforeTheSettingExisted() throws IOException {
        Path directory = temp.resolve("timm");
        try (VisionTransformer timm = TestModels.tinyTimm(3, manager)) {
            ModelStore.save(timm, directory);
        }
        // Without the field, the JSON the config checksum covers is the one written before the setting existed.
        assertThat(Files.readString(directory.resolve(ModelStore.MANIFEST))).contains("\"pooling\" : \"AVERAGE\"").doesNotContain("distillation");
        try (VisionTransformer loaded = ModelStore.load(directory, manager)) {
            assertThat(loaded.config().topology().distillationToken()).isFalse();
        }
    }

    @Test
    void aModelDirectoryHoldingOtherFilesIsNotReplaced() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        Files.writeString(directory.resolve("MODEL_CARD.md"), "# card");
        Files.createDirectories(directory.resolve("notes"));
        byte[] weights = Files.readAllBytes(directory.resolve(ModelStore.PARAMETERS));

        try (VisionTransformer other = TestModels.tiny(4, manager)) {
            assertThatThrownBy(() -> ModelStore.save(other, directory)).isInstanceOf(InvalidInputException.class).message()
                    .contains(directory.toString(), "[MODEL_CARD.md, notes]", "expected a model directory holding only [model.json, parameters.ndlist]");
        }
        assertThat(directory.resolve("MODEL_CARD.md")).hasContent("# card");
        assertThat(Files.readAllBytes(directory.resolve(ModelStore.PARAMETERS))).isEqualTo(weights);
    }

    @Test
    void aModelDirectoryHoldingOnlyAModelIsReplaced() throws IOException {
        Path directory = temp.resolve("model");
        ModelStore.save(model, directory);
        try (VisionTransformer other = TestModels.tiny(4, manager)) {
            ModelStore.save(other, directory);
            try (VisionTransformer loaded = ModelStore.load(directory, manager)) {
                assertThat(logits(loaded)).containsExactly(logits(other));
            }
        }
    }

    private void assertLoadFails(Path directory, String... fragments) {
        assertThatThrownBy(() -> ModelStore.load(directory, manager))
                .isInstanceOf(InvalidInputException.class)
                .message()
                .contains(fragments);
    }

    private static void writeManifest(Path directory, ModelStore.Manifest manifest) throws IOException {
        Files.write(directory.resolve(ModelStore.MANIFEST), ModelStore.json().writeValueAsBytes(manifest));
    }

    private static PruningPlan halfOfEveryBlock(ModelStructure structure) {
        return new PruningPlan(structure, structure.blocks().stream()
                .map(b -> new io.vitprune.api.BlockPlan(IntStream.range(0, b.attentionWidth()).filter(c -> c % 2 == 0).toArray(),
                        IntStream.range(0, b.mlpWidth() / 2).toArray()))
                .toList());
    }

    private static float[] logits(VisionTransformer model) {
        try (NDManager scope = model.newScope()) {
            return model.logits(TestModels.images(model.config(), 2, 5, scope)).toFloatArray();
        }
    }
}
