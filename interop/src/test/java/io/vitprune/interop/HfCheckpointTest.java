package io.vitprune.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Checkpoints written by transformers' own save_pretrained, with the logits of transformers' forward
 * (scripts/fixtures/hf_vit.py): names, config (LayerNorm epsilon 1e-12, transformers' default) and
 * preprocessor fields, and the function they compute.
 */
class HfCheckpointTest {
    private static final Path FIXTURE = Path.of("src/test/resources/hf/vit");

    @TempDir
    Path temp;

    @Test
    void aViTGivesTransformersLogits() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = HfCheckpoint.read(FIXTURE, manager)) {
            NDList expected;
            try (InputStream in = Files.newInputStream(FIXTURE.resolve("expected.safetensors"))) {
                expected = NDList.decode(manager, in);
            }
            NDArray images = expected.stream().filter(a -> a.getName().equals("images")).findFirst().orElseThrow();
            NDArray logits = expected.stream().filter(a -> a.getName().equals("logits")).findFirst().orElseThrow();

            assertThat(TestModels.maxAbsDifference(model.logits(images), logits)).isLessThan(1e-4f);
            assertThat(model.config().heads()).isEqualTo(3);
            assertThat(model.config().preprocessing()).isEqualTo(new Preprocessing(32, 32, "bilinear", List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5)));
        }
    }

    @Test
    void aDistilledDeitWithItsTeacherHeadGivesTransformersLogits() throws IOException {
        Path fixture = FIXTURE.resolveSibling("deit-distilled");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = HfCheckpoint.read(fixture, manager)) {
            NDList expected;
            try (InputStream in = Files.newInputStream(fixture.resolve("expected.safetensors"))) {
                expected = NDList.decode(manager, in);
            }
            NDArray images = expected.stream().filter(a -> a.getName().equals("images")).findFirst().orElseThrow();
            NDArray logits = expected.stream().filter(a -> a.getName().equals("logits")).findFirst().orElseThrow();

            assertThat(TestModels.maxAbsDifference(model.logits(images), logits)).isLessThan(1e-4f);
            assertThat(model.config().topology().distillationToken()).isTrue();
            assertThat(model.config().preprocessing())
                    .isEqualTo(new Preprocessing(32, 36, "bicubic", List.of(0.5, 0.5, 0.5), List.of(0.5, 0.5, 0.5)));
        }
    }

    @Test
    void aDeitWithoutItsTeacherHeadAnotherModelTypeAndAMissingPreprocessorConfigAreRefused() throws IOException {
        Path copy = Files.createDirectories(temp.resolve("deit"));
        for (String name : List.of(HfCheckpoint.WEIGHTS, HfCheckpoint.CONFIG, HfCheckpoint.PREPROCESSOR)) {
            Files.copy(FIXTURE.resolveSibling("deit-distilled").resolve(name), copy.resolve(name));
        }
        Path config = copy.resolve(HfCheckpoint.CONFIG);
        String deit = Files.readString(config);
        Files.writeString(config, deit.replace("DeiTForImageClassificationWithTeacher", "DeiTForImageClassification"));
        assertThatThrownBy(() -> read(copy)).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("DeiT with architectures [\"DeiTForImageClassification\"]")
                .hasMessageContaining("only [\"DeiTForImageClassificationWithTeacher\"]");

        Files.writeString(config, deit.replace("\"model_type\": \"deit\"", "\"model_type\": \"beit\""));
        assertThatThrownBy(() -> read(copy)).isInstanceOf(InvalidInputException.class).hasMessageContaining("model_type 'beit'");

        Files.delete(copy.resolve(HfCheckpoint.PREPROCESSOR));
        assertThatThrownBy(() -> read(copy)).isInstanceOf(InvalidInputException.class).hasMessageContaining("no preprocessor_config.json");
    }

    private static void read(Path directory) throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            HfCheckpoint.read(directory, manager).close();
        }
    }
}
