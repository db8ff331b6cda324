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
 * A Hugging Face {@code ViTForImageClassification} or {@code DeiTForImageClassificationWithTeacher}
 * checkpoint: {@code model.safetensors}, {@code config.json} (sizes, {@code layer_norm_eps},
 * {@code hidden_act}, {@code qkv_bias}) and {@code preprocessor_config.json} ({@code ViTImageProcessor}
 * or {@code DeiTImageProcessor}: size, centre crop, mean, std). HF keeps q, k and v apart; they are
 * fused here into vitprune's qkv (rows q, then k, then v). A DeiT with its teacher head is a distilled
 * model (both heads averaged, as HF's DeiT does); other model types (DeiT without that head, BEiT,
 * Swin ...) are refused by name.
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
    /** Names below the model's prefix ({@code vit.} or {@code deit.}). */
    private static final Map<String, String> BACKBONE_NAMES = CheckpointTensors.names(
            "patch_weight", "embeddings.patch_embeddings.projection.weight", "patch_bias", "embeddings.patch_embeddings.projection.bias",
            "class_token", "embeddings.cls_token", "position_embedding", "embeddings.position_embeddings",
            "final_norm_gamma", "layernorm.weight", "final_norm_beta", "layernorm.bias");
    private static final Map<String, String> VIT_HEAD_NAMES = CheckpointTensors.names("head_weight", "classifier.weight", "head_bias", "classifier.bias");
    private static final Map<String, String> DEIT_HEAD_NAMES = CheckpointTensors.names(
            "distillation_token", "deit.embeddings.distillation_token", "head_weight", "cls_classifier.weight", "head_bias", "cls_classifier.bias",
            "head_dist_weight", "distillation_classifier.weight", "head_dist_bias", "distillation_classifier.bias");
    private static final String DEIT_WITH_TEACHER = "DeiTForImageClassificationWithTeacher";

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
        boolean distilled = distilled(config);
        String model = distilled ? "deit." : "vit.";
        VitConfig vit = vitConfig(config, processor, distilled, directory);
        try (NDManager scope = manager.newSubManager()) {
            CheckpointTensors tensors = CheckpointTensors.read(directory.resolve(WEIGHTS), scope);
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            BACKBONE_NAMES.forEach((ours, theirs) -> arrays.put(ours, tensors.take(model + theirs)));
            (distilled ? DEIT_HEAD_NAMES : VIT_HEAD_NAMES).forEach((ours, theirs) -> arrays.put(ours, tensors.take(theirs)));
            arrays.put("patch_weight", arrays.get("patch_weight").reshape(vit.dim(), vit.patchDim()));
            for (int b = 0; b < vit.depth(); b++) {
                String layer = model + "encoder.layer." + b + ".";
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
            tensors.requireAllTaken((distilled ? DEIT_WITH_TEACHER : "ViTForImageClassification") + "'s tensors (a pooler is not part of it)");
            return VisionTransformer.fromParameters(vit, vit.initialStructure(), arrays, manager);
        }
    }

    /** Whether the config is a DeiT with its teacher head (a distilled model) rather than a ViT; anything else is refused. */
    private static boolean distilled(JsonNode config) {
        String type = config.path("model_type").asText("");
        if (type.equals("vit")) {
            return false;
        }
        if (!type.equals("deit")) {
            throw new InvalidInputException("Hugging Face model_type '" + type + "': only 'vit' (ViTForImageClassification) and 'deit' ("
                    + DEIT_WITH_TEACHER + ") are supported yet");
        }
        JsonNode architectures = config.path("architectures");
        if (architectures.size() != 1 || !architectures.get(0).asText().equals(DEIT_WITH_TEACHER)) {
            // DeiTForImageClassification classifies the class token alone while its embeddings still carry a distillation token.
            throw new InvalidInputException("Hugging Face DeiT with architectures " + architectures + ": only [\"" + DEIT_WITH_TEACHER
                    + "\"] (both heads, over the class and distillation tokens) is supported yet");
        }
        return true;
    }

    private static VitConfig vitConfig(JsonNode config, JsonNode processor, boolean distilled, Path directory) {
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
                Topology.Pooling.CLASS_TOKEN, distilled);
        return new VitConfig(imageSize, integer(config, "patch_size", directory), dim, integer(config, "num_hidden_layers", directory), heads,
                dim / heads, integer(config, "intermediate_size", directory), classes, topology, preprocessing(processor, imageSize, directory));
    }

    /**
     * ViTImageProcessor resizes straight to its size; DeiTImageProcessor resizes to its size, then
     * centre-crops {@code crop_size} (square inputs: as a resize of the shorter side and a crop), then normalises.
     */
    private static Preprocessing preprocessing(JsonNode processor, int imageSize, Path directory) {
        JsonNode resized = processor.path("size");
        int size = resized.path("height").asInt(imageSize);
        JsonNode cropped = processor.path("do_center_crop").asBoolean(false) ? processor.path("crop_size") : resized;
        if (resized.path("width").asInt(imageSize) != size || cropped.path("height").asInt(imageSize) != imageSize
                || cropped.path("width").asInt(imageSize) != imageSize) {
            throw new InvalidInputException("Hugging Face preprocessor size " + resized + (cropped == resized ? "" : " and crop_size " + cropped)
                    + ": expected a square size and a crop to the model's image size " + imageSize + " square");
        }
        String interpolation = switch (processor.path("resample").asInt(2)) {
            case 0 -> "nearest";
            case 3 -> "bicubic";
            default -> "bilinear";
        };
        return new Preprocessing(imageSize, size, interpolation, doubles(processor.path("image_mean"), directory), doubles(processor.path("image_std"),
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
