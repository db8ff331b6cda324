package io.vitprune.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.model.Topology;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code ViTForImageClassification} checkpoint: {@code model.safetensors},
 * {@code config.json} (sizes, {@code layer_norm_eps}, {@code hidden_act}, {@code qkv_bias}) and
 * {@code preprocessor_config.json} ({@code ViTImageProcessor}: size, mean, std). HF keeps q, k
 * and v apart; they are fused here into vitprune's qkv (rows q, then k, then v). Other model types
 * (DeiT, whose Hugging Face embeddings always carry a distillation token; BEiT; Swin ...) are
 * refused by name.
 */
public final class HfCheckpoint {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    public static final String PREPROCESSOR = "preprocessor_config.json";

    private static final Map<String, String> BLOCK_NAMES = CheckpointTensors.names(
            "attn_norm_gamma", "layernorm_before.weight", "attn_norm_beta", "layernorm_before.bias",
            "out_weight", "attention.output.dense.weight", "out_bias", "attention.output.dense.bias",
            "mlp_norm_gamma", "layernorm_after.weight", "mlp_norm_beta", "layernorm_after.bias",
            "mlp_in_weight", "intermediate.dense.weight", "mlp_in_bias", "intermediate.dense.bias",
            "mlp_out_weight", "output.dense.weight", "mlp_out_bias", "output.dense.bias");
    private static final Map<String, String> TOP_NAMES = CheckpointTensors.names(
            "patch_weight", "vit.embeddings.patch_embeddings.projection.weight", "patch_bias", "vit.embeddings.patch_embeddings.projection.bias",
            "class_token", "vit.embeddings.cls_token", "position_embedding", "vit.embeddings.position_embeddings",
            "final_norm_gamma", "vit.layernorm.weight", "final_norm_beta", "vit.layernorm.bias", "head_weight", "classifier.weight",
            "head_bias", "classifier.bias");

    private HfCheckpoint() {
    }

    /** A checkpoint directory holding {@value #WEIGHTS}, {@value #CONFIG} and {@value #PREPROCESSOR}. */
    public static VisionTransformer read(Path directory, NDManager manager) throws IOException {
        for (String name : List.of(WEIGHTS, CONFIG, PREPROCESSOR)) {
            if (!Files.isRegularFile(directory.resolve(name))) {
                throw new InvalidInputException("Hugging Face checkpoint " + directory + ": no " + name + ": expected " + WEIGHTS + ", " + CONFIG
                        + " and " + PREPROCESSOR + " as save_pretrained writes them");
            }
        }
        JsonNode config = CheckpointTensors.json(directory.resolve(CONFIG), "Hugging Face config");
        JsonNode processor = CheckpointTensors.json(directory.resolve(PREPROCESSOR), "Hugging Face preprocessor config");
        String type = config.path("model_type").asText("");
        if (!type.equals("vit")) {
            throw new InvalidInputException("Hugging Face model_type '" + type + "': only 'vit' (ViTForImageClassification) is supported yet"
                    + (type.equals("deit") ? " (Hugging Face's DeiT embeddings carry a distillation token)" : ""));
        }
        VitConfig vit = vitConfig(config, processor, directory);
        try (NDManager scope = manager.newSubManager()) {
            CheckpointTensors tensors = CheckpointTensors.read(directory.resolve(WEIGHTS), scope);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            TOP_NAMES.forEach((ours, theirs) -> arrays.put(ours, tensors.take(theirs)));
            arrays.put("patch_weight", arrays.get("patch_weight").reshape(vit.dim(), vit.patchDim()));
            for (int b = 0; b < vit.depth(); b++) {
                String layer = "vit.encoder.layer." + b + ".";
                String prefix = String.format("block%02d.", b);
                for (String kind : List.of("weight", "bias")) {
                    NDList parts = new NDList();
                    for (String part : List.of("query", "key", "value")) {
                        parts.add(tensors.take(layer + "attention.attention." + part + "." + kind));
                    }
                    arrays.put(prefix + "qkv_" + kind, NDArrays.concat(parts, 0));
                }
                BLOCK_NAMES.forEach((ours, theirs) -> arrays.put(prefix + ours, tensors.take(layer + theirs)));
            }
            tensors.requireAllTaken("ViTForImageClassification's tensors (a pooler is not part of it)");
            return VisionTransformer.fromParameters(vit, vit.initialStructure(), arrays, manager);
        }
    }

    private static VitConfig vitConfig(JsonNode config, JsonNode processor, Path directory) {
        int dim = integer(config, "hidden_size", directory);
        int heads = integer(config, "num_attention_heads", directory);
        int imageSize = integer(config, "image_size", directory);
        if (dim % heads != 0) {
            throw new InvalidInputException("Hugging Face config " + directory + ": " + heads + " heads do not divide hidden_size " + dim);
        }
        if (!config.path("qkv_bias").asBoolean(true)) {
            throw new InvalidInputException("Hugging Face config " + directory + ": qkv_bias false is not supported yet");
        }
        Topology.Gelu gelu = switch (config.path("hidden_act").asText("gelu")) {
            case "gelu" -> Topology.Gelu.EXACT;
            case "gelu_new", "gelu_pytorch_tanh" -> Topology.Gelu.TANH;
            default -> throw new InvalidInputException("Hugging Face config " + directory + ": hidden_act '" + config.path("hidden_act").asText()
                    + "': expected gelu, gelu_new or gelu_pytorch_tanh");
        };
        int classes = config.path("id2label").size();
        if (classes == 0) {
            throw new InvalidInputException("Hugging Face config " + directory + " has no id2label: expected the classifier's classes");
        }
        Topology topology = new Topology(Topology.PatchEmbedding.CONVOLUTION, true, config.path("layer_norm_eps").asDouble(1e-12), gelu, false,
                Topology.Pooling.CLASS_TOKEN, false);
        return new VitConfig(imageSize, integer(config, "patch_size", directory), dim, integer(config, "num_hidden_layers", directory), heads,
                dim / heads, integer(config, "intermediate_size", directory), classes, topology, preprocessing(processor, imageSize, directory));
    }

    /** ViTImageProcessor resizes straight to its size (square inputs: as a resize and a full crop), then normalises. */
    private static Preprocessing preprocessing(JsonNode processor, int imageSize, Path directory) {
        int size = processor.path("size").path("height").asInt(imageSize);
        if (size != imageSize || processor.path("size").path("width").asInt(imageSize) != imageSize) {
            throw new InvalidInputException("Hugging Face preprocessor size " + processor.path("size") + ": expected the model's image size "
                    + imageSize + " square");
        }
        String interpolation = switch (processor.path("resample").asInt(2)) {
            case 0 -> "nearest";
            case 3 -> "bicubic";
            default -> "bilinear";
        };
        return new Preprocessing(size, size, interpolation, doubles(processor.path("image_mean"), directory), doubles(processor.path("image_std"),
                directory));
    }

    private static int integer(JsonNode config, String field, Path directory) {
        if (!config.path(field).isInt()) {
            throw new InvalidInputException("Hugging Face config " + directory + ": " + field + " is " + config.path(field) + ": expected an integer");
        }
        return config.get(field).asInt();
    }

    private static List<Double> doubles(JsonNode node, Path directory) {
        if (!node.isArray() || node.size() != 3) {
            throw new InvalidInputException("Hugging Face preprocessor config " + directory + ": image_mean / image_std " + node
                    + ": expected 3 numbers");
        }
        List<Double> values = new ArrayList<>();
        node.forEach(value -> values.add(value.asDouble()));
        return values;
    }
}
