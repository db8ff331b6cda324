package io.vitprune.deploy;

import ai.djl.ndarray.NDManager;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.tokens.TokenModelStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a vitprune model, pruned or not, as an ONNX file: opset 17, input {@code pixels}
 * (batch, 3, H, W) with a dynamic batch axis, output {@code logits} (batch, classes), the weights
 * as initializers, the model's config, structure and identity in {@code metadata_props}. The file
 * appears complete or not at all. Errors are {@link InvalidInputException}s naming the input.
 */
public final class OnnxExport {
    public static final int OPSET = 17;
    /** The IR version opset 17 belongs to (ONNX 1.12). */
    public static final int IR_VERSION = 8;
    public static final String PRODUCER = "vitprune";

    private OnnxExport() {
    }

    /** Exports the model saved in {@code modelDirectory} to {@code out}; what a CLI command calls. */
    public static void write(Path modelDirectory, Path out, ExportOptions options) throws IOException {
        Objects.requireNonNull(modelDirectory, "model directory is null");
        requireFileTarget(out);
        Objects.requireNonNull(options, "export options are null");
        if (Files.isRegularFile(modelDirectory.resolve(TokenModelStore.MANIFEST))) {
            throw new InvalidInputException("model directory " + modelDirectory + " holds a token-pruned model: ONNX export supports "
                    + "plain and structurally pruned models only (token keep policies are not exported yet); nothing was written");
        }
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = ModelStore.load(modelDirectory, manager)) {
            write(model, out, options);
        }
    }

    /** Exports {@code model} to {@code out}. */
    public static void write(VisionTransformer model, Path out, ExportOptions options) throws IOException {
        Objects.requireNonNull(model, "model is null");
        requireFileTarget(out);
        ModelProto onnx = toOnnx(model, Objects.requireNonNull(options, "export options are null"));
        AtomicFiles.write(out, onnx::writeTo);
    }

    static ModelProto toOnnx(VisionTransformer model, ExportOptions options) throws IOException {
        GraphBuilder graph = VitGraph.build(model, options);
        ModelProto.Builder onnx = ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .setProducerName(PRODUCER)
                .setProducerVersion(Version.current())
                .setDocString("vitprune Vision Transformer: pixels (batch, 3, H, W), normalised as metadata " + MetadataKeys.PREPROCESSING
                        + " says, to class logits")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(graph.graph());
        if (graph.usesContribOps()) {
            onnx.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(GraphBuilder.CONTRIB_DOMAIN).setVersion(1));
        }
        metadata(model, options).forEach((key, value) -> onnx.addMetadataProps(StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return onnx.build();
    }

    /** What a deployment needs to feed the model and trace it back to its vitprune directory. */
    static Map<String, String> metadata(VisionTransformer model, ExportOptions options) throws IOException {
        VitConfig config = model.config();
        Map<String, String> metadata = new LinkedHashMap<>();
        metadata.put(MetadataKeys.VERSION, Version.current());
        metadata.put(MetadataKeys.IMAGE_SIZE, Integer.toString(config.imageSize()));
        metadata.put(MetadataKeys.PATCH_SIZE, Integer.toString(config.patchSize()));
        metadata.put(MetadataKeys.CHANNELS, Integer.toString(VitConfig.CHANNELS));
        metadata.put(MetadataKeys.CLASSES, Integer.toString(config.classes()));
        metadata.put(MetadataKeys.CONFIG, json(config));
        metadata.put(MetadataKeys.STRUCTURE, json(model.structure()));
        metadata.put(MetadataKeys.PARAMETERS_SHA256, ModelStore.parametersSha256(model));
        metadata.put(MetadataKeys.PREPROCESSING, json(config.preprocessing()));
        metadata.put(MetadataKeys.HEAD_LAYOUT, options.headLayout().name());
        metadata.put(MetadataKeys.QUANTIZATION, options.quantization().name());
        return metadata;
    }

    private static String json(Object value) {
        try {
            return ModelStore.json().copy().disable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot encode " + value + " as JSON", e);
        }
    }

    private static void requireFileTarget(Path out) {
        Objects.requireNonNull(out, "ONNX output path is null");
        if (Files.isDirectory(out)) {
            throw new InvalidInputException("ONNX output " + out + " is a directory: expected a file path (such as model.onnx); nothing was written");
        }
    }
}
