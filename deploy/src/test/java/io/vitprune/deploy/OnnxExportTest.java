package io.vitprune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The file's interface (names, dynamic batch, metadata) and the refusals of bad inputs. */
class OnnxExportTest {
    @TempDir
    Path directory;

    @Test
    void aSavedModelExportsWithItsConfigAndIdentityInTheMetadata() throws IOException {
        Path model = TestModels.saveTiny(3, directory.resolve("model"));
        Path out = directory.resolve("out/model.onnx");
        OnnxExport.write(model, out, ExportOptions.defaults());

        try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(out, 1)) {
            Map<String, String> metadata = onnx.metadata();
            ModelStore.Manifest manifest = ModelStore.readManifest(model);
            assertThat(metadata).containsEntry(MetadataKeys.IMAGE_SIZE, "32").containsEntry(MetadataKeys.PATCH_SIZE, "8")
                    .containsEntry(MetadataKeys.CLASSES, "10").containsEntry(MetadataKeys.CHANNELS, "3")
                    .containsEntry(MetadataKeys.PARAMETERS_SHA256, manifest.parametersSha256())
                    .containsEntry(MetadataKeys.HEAD_LAYOUT, "GROUPED").containsEntry(MetadataKeys.QUANTIZATION, "NONE")
                    .containsEntry(MetadataKeys.PREPROCESSING, "{\"size\":32,\"resize\":32,\"interpolation\":\"none\",\"mean\":[0.4914,0.4822,0.4465],"
                            + "\"std\":[0.247,0.2435,0.2616]}")
                    .containsEntry(MetadataKeys.VERSION, Version.current());
            assertThat(ModelStore.json().readValue(metadata.get(MetadataKeys.CONFIG), VitConfig.class)).isEqualTo(manifest.config());
            assertThat(ModelStore.json().readValue(metadata.get(MetadataKeys.STRUCTURE), ModelStructure.class)).isEqualTo(manifest.structure());
            assertThat(onnx.logits(new float[2 * 3 * 32 * 32], 2)).hasDimensions(2, 10);
        }
        assertThat(Version.current()).isNotBlank().doesNotContain("${");
        assertThat(siblings(out)).containsExactly(out.getFileName().toString());
    }

    @Test
    void theGraphDeclaresOpset17ADynamicBatchAndNamedInputAndOutput() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(1, manager)) {
            var onnx = OnnxExport.toOnnx(model, ExportOptions.defaults());
            assertThat(onnx.getIrVersion()).isEqualTo(8);
            assertThat(onnx.getOpsetImportList()).singleElement().satisfies(opset -> {
                assertThat(opset.getDomain()).isEmpty();
                assertThat(opset.getVersion()).isEqualTo(17);
            });
            var input = onnx.getGraph().getInput(0);
            assertThat(input.getName()).isEqualTo("pixels");
            assertThat(input.getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("batch");
            var output = onnx.getGraph().getOutput(0);
            assertThat(output.getName()).isEqualTo("logits");
            assertThat(output.getType().getTensorType().getShape().getDim(0).getDimParam()).isEqualTo("batch");
            assertThat(onnx.getGraph().getInitializerCount()).isGreaterThan(model.namedParameters().size() - 1);
        }
    }

    @Test
    void anOutputPathThatIsADirectoryIsRefusedAndLeftAlone() throws IOException {
        Path model = TestModels.saveTiny(3, directory.resolve("model"));
        Path out = Files.createDirectories(directory.resolve("existing"));
        assertThatThrownBy(() -> OnnxExport.write(model, out, ExportOptions.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("ONNX output " + out + " is a directory")
                .hasMessageContaining("nothing was written");
        assertThat(siblings(out.resolve("x"))).isEmpty();
    }

    @Test
    void aDirectoryThatIsNotAModelIsRefusedAndNothingIsWritten() throws IOException {
        Path notAModel = Files.createDirectories(directory.resolve("photos"));
        Files.writeString(notAModel.resolve("cat.txt"), "meow");
        Path out = directory.resolve("model.onnx");
        assertThatThrownBy(() -> OnnxExport.write(notAModel, out, ExportOptions.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("model directory " + notAModel)
                .hasMessageContaining("model.json");
        assertThat(siblings(out)).containsExactly("photos");
    }

    @Test
    void aTokenPrunedModelIsRefusedByName() throws IOException {
        Path tokens = Files.createDirectories(directory.resolve("dynamicvit"));
        Files.writeString(tokens.resolve("tokens.json"), "{}");
        assertThatThrownBy(() -> OnnxExport.write(tokens, directory.resolve("m.onnx"), ExportOptions.defaults()))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("model directory " + tokens + " holds a token-pruned model");
        assertThat(directory.resolve("m.onnx")).doesNotExist();
    }

    @Test
    void aFileThatIsNotAnOnnxModelIsRefusedByTheRuntime() throws IOException {
        Path bogus = Files.writeString(directory.resolve("model.onnx"), "not a protobuf");
        assertThatThrownBy(() -> OnnxRuntimeModel.open(bogus, 1))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("ONNX model " + bogus + " cannot be loaded by ONNX Runtime");
        assertThatThrownBy(() -> OnnxRuntimeModel.open(directory, 1))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("is not a file");
    }

    @Test
    void imagesOfTheWrongSizeAreRefused() throws IOException {
        Path out = directory.resolve("model.onnx");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(1, manager)) {
            OnnxExport.write(Surgery.apply(model, Plans.ragged(model.structure()), manager), out, ExportOptions.defaults());
        }
        try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(out, 1)) {
            assertThatThrownBy(() -> onnx.logits(new float[3 * 16 * 16], 1))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("expected (batch >= 1, 3, 32, 32)");
        }
    }

    /** The names in {@code file}'s directory (temporary files included), or none if it has none. */
    private static Stream<String> siblingStream(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        return Files.isDirectory(parent) ? Files.list(parent).map(p -> p.getFileName().toString()) : Stream.empty();
    }

    private static java.util.List<String> siblings(Path file) throws IOException {
        try (Stream<String> names = siblingStream(file)) {
            return names.toList();
        }
    }
}
