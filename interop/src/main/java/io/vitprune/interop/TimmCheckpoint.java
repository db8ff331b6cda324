package io.vitprune.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A timm ViT or DeiT (distilled too) checkpoint as timm's hub code saves it: {@code model.safetensors} (read with
 * DJL's {@link NDList#decode}) and {@code config.json} ({@code architecture}, {@code model_args},
 * {@code pretrained_cfg}). Sizes come from the tensors' shapes, the head count from
 * {@code model_args.num_heads} or the architecture's family (tiny 3, small 6, base 12, large and
 * huge 16), the preprocessing from {@code pretrained_cfg}. Every tensor is mapped or named as
 * unused; variants vitprune cannot run yet are refused by the feature's name.
 */
public final class TimmCheckpoint {
    public static final String WEIGHTS = "model.safetensors";
    public static final String CONFIG = "config.json";
    /** timm builds its ViTs with {@code partial(nn.LayerNorm, eps=1e-6)}. */
    static final double LAYER_NORM_EPS = 1e-6;

    private static final Pattern BLOCK = Pattern.compile("blocks\\.(\\d+)\\.(.+)");
    private static final Map<String, Integer> HEADS_BY_FAMILY = Map.of("tiny", 3, "small", 6, "base", 12, "large", 16, "huge", 16);
    /** timm's names of a block's tensors, by vitprune's. */
    private static final Map<String, String> BLOCK_NAMES = CheckpointTensors.names(
            "attn_norm_gamma", "norm1.weight", "attn_norm_beta", "norm1.bias", "qkv_weight", "attn.qkv.weight", "qkv_bias", "attn.qkv.bias",
            "out_weight", "attn.proj.weight", "out_bias", "attn.proj.bias", "mlp_norm_gamma", "norm2.weight", "mlp_norm_beta", "norm2.bias",
            "mlp_in_weight", "mlp.fc1.weight", "mlp_in_bias", "mlp.fc1.bias", "mlp_out_weight", "mlp.fc2.weight", "mlp_out_bias", "mlp.fc2.bias");
    private static final Map<String, String> LAYER_SCALE_NAMES = CheckpointTensors.names("attn_scale_gamma", "ls1.gamma", "mlp_scale_gamma", "ls2.gamma");
    private static final Map<String, String> TOP_NAMES = CheckpointTensors.names(
            "patch_weight", "patch_embed.proj.weight", "patch_bias", "patch_embed.proj.bias", "class_token", "cls_token",
            "position_embedding", "pos_embed", "final_norm_gamma", "norm.weight", "final_norm_beta", "norm.bias", "head_weight", "head.weight",
            "head_bias", "head.bias");
    /** DeiT distilled's second token and head (timm's {@code VisionTransformerDistilled}). */
    private static final Map<String, String> DISTILLATION_NAMES = CheckpointTensors.names(
            "distillation_token", "dist_token", "head_dist_weight", "head_dist.weight", "head_dist_bias", "head_dist.bias");
    /** Tensors of variants not supported yet, and the feature each belongs to. */
    private static final Map<String, String> UNSUPPORTED = CheckpointTensors.names(
            "reg_token", "a ViT with register tokens (timm's vit_*_reg*)", ".attn.q_norm.weight", "q / k normalisation", "relative_position_bias_table", "relative position bias",
            ".attn.q_bias", "separate q / v biases");

    private TimmCheckpoint() {
    }

    /** A checkpoint directory, or its {@code model.safetensors} (then {@code config.json} must lie beside it). */
    public static VisionTransformer read(Path source, NDManager manager) throws IOException {
        Path directory = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
        Path weights = Files.isDirectory(source) ? source.resolve(WEIGHTS) : source;
        Path configFile = directory.resolve(CONFIG);
        for (Path file : List.of(weights, configFile)) {
            if (!Files.isRegularFile(file)) {
                throw new InvalidInputException("timm checkpoint " + source + ": no " + file.getFileName() + " in " + directory
                        + ": expected timm's hub layout (" + WEIGHTS + " and " + CONFIG + ")");
            }
        }
        JsonNode config = CheckpointTensors.json(configFile, "timm config");
        try (NDManager scope = manager.newSubManager()) {
            CheckpointTensors tensors = CheckpointTensors.read(weights, scope);
            requireSupported(config, tensors);
            VitConfig vit = vitConfig(config, tensors, source);
            Map<String, NDArray> arrays = map(tensors, vit);
            requireShapes(arrays, vit, tensors.file(), manager);
            return VisionTransformer.fromParameters(vit, vit.initialStructure(), arrays, manager);
        }
    }

    private static void requireSupported(JsonNode config, CheckpointTensors tensors) {
        String architecture = config.path("architecture").asText("");
        if (!architecture.startsWith("vit_") && !architecture.startsWith("deit_")) {
            throw new InvalidInputException("timm architecture '" + architecture + "': expected a plain ViT or DeiT (vit_* or deit_*)");
        }
        String pool = config.path("global_pool").asText("token");
        boolean averaged = pool.equals("avg") && tensors.has("fc_norm.weight") && !tensors.has("norm.weight");
        if (!pool.equals("token") && !averaged) {
            throw new InvalidInputException("timm model with global_pool '" + pool + "'" + (pool.equals("avg") ? " without fc_norm" : "")
                    + ": only class-token pooling ('token') and average pooling with fc_norm ('avg') are supported yet");
        }
        for (String name : tensors.names()) {
            UNSUPPORTED.forEach((marker, feature) -> {
                if (name.equals(marker) || name.endsWith(marker) || name.contains(marker + ".")) {
                    throw new InvalidInputException("timm weights " + tensors.file() + " hold '" + name + "': " + feature + " is not supported yet");
                }
            });
        }
        if (!tensors.has("cls_token")) {
            throw new InvalidInputException("timm weights " + tensors.file() + " have no cls_token: models without a class token are not supported yet");
        }
    }

    private static VitConfig vitConfig(JsonNode config, CheckpointTensors tensors, Path source) {
        Shape patch = tensors.shape("patch_embed.proj.weight");
        int dim = (int) tensors.shape("cls_token").get(2);
        int patchSize = (int) patch.get(2);
        if (patch.dimension() != 4 || patch.get(1) != VitConfig.CHANNELS || patch.get(2) != patch.get(3)) {
            throw new InvalidInputException("timm patch_embed.proj.weight of shape " + patch + ": expected (dim, 3, p, p)");
        }
        int depth = (int) tensors.names().stream().map(BLOCK::matcher).filter(Matcher::matches).map(m -> m.group(1)).distinct().count();
        int mlp = (int) tensors.shape("blocks.0.mlp.fc1.weight").get(0);
        int classes = (int) tensors.shape("head.weight").get(0);
        JsonNode args = config.path("model_args");
        JsonNode pretrained = config.path("pretrained_cfg");
        int imageSize = args.has("img_size") ? args.get("img_size").asInt() : pretrained.path("input_size").path(1).asInt(0);
        Topology topology = Topology.timm(LAYER_NORM_EPS).withLayerScale(tensors.has("blocks.0.ls1.gamma"))
                .withPooling(config.path("global_pool").asText("token").equals("avg") ? Topology.Pooling.AVERAGE : Topology.Pooling.CLASS_TOKEN)
                .withDistillationToken(tensors.has("dist_token"));
        long tokens = tensors.shape("pos_embed").get(1);
        long patches = imageSize > 0 ? (long) (imageSize / patchSize) * (imageSize / patchSize) : 0;
        if (imageSize <= 0 || imageSize % patchSize != 0 || tokens != patches + topology.prefixTokens()) {
            throw new InvalidInputException("timm checkpoint " + source + ": image size " + imageSize + " (model_args.img_size or "
                    + "pretrained_cfg.input_size) with patch " + patchSize + " does not give pos_embed's " + tokens + " tokens");
        }
        int heads = heads(config.path("architecture").asText(), args, source);
        if (dim % heads != 0) {
            throw new InvalidInputException("timm checkpoint " + source + ": " + heads + " heads do not divide dim " + dim);
        }
        return new VitConfig(imageSize, patchSize, dim, depth, heads, dim / heads, mlp, classes, topology, preprocessing(pretrained, imageSize, source));
    }

    private static int heads(String architecture, JsonNode args, Path source) {
        if (args.has("num_heads")) {
            return args.get("num_heads").asInt();
        }
        for (Map.Entry<String, Integer> family : HEADS_BY_FAMILY.entrySet()) {
            if (architecture.contains("_" + family.getKey() + "_") || architecture.contains("_" + family.getKey())) {
                return family.getValue();
            }
        }
        throw new InvalidInputException("timm checkpoint " + source + ": the head count of '" + architecture + "' is not known: expected "
                + "model_args.num_heads in " + CONFIG);
    }

    /** timm's eval transform: resize the shorter side to {@code size / crop_pct}, center-crop {@code size}, normalise. */
    private static Preprocessing preprocessing(JsonNode pretrained, int size, Path source) {
        double crop = pretrained.path("crop_pct").asDouble(1.0);
        List<Double> mean = doubles(pretrained.path("mean"), source, "mean");
        List<Double> std = doubles(pretrained.path("std"), source, "std");
        return new Preprocessing(size, (int) Math.floor(size / crop), pretrained.path("interpolation").asText("bicubic"), mean, std);
    }

    private static List<Double> doubles(JsonNode node, Path source, String field) {
        if (!node.isArray() || node.size() != 3) {
            throw new InvalidInputException("timm checkpoint " + source + ": pretrained_cfg." + field + " is " + node + ": expected 3 numbers");
        }
        List<Double> values = new ArrayList<>();
        node.forEach(value -> values.add(value.asDouble()));
        return values;
    }

    /** Fails naming timm's tensor (not vitprune's parameter) whose shape the config does not expect. */
    private static void requireShapes(Map<String, NDArray> arrays, VitConfig config, Path weights, NDManager manager) {
        Map<String, Shape> expected = VisionTransformer.expectedShapes(config, config.initialStructure(), manager);
        for (Map.Entry<String, NDArray> array : arrays.entrySet()) {
            Shape shape = expected.get(array.getKey());
            if (!array.getValue().getShape().equals(shape)) {
                throw new InvalidInputException("timm weights " + weights + ": tensor '" + timmName(array.getKey()) + "' has shape "
                        + array.getValue().getShape() + ": the config (" + CONFIG + " and the other tensors) expects " + shape);
            }
        }
    }

    private static String timmName(String ours) {
        if (TOP_NAMES.containsKey(ours) || DISTILLATION_NAMES.containsKey(ours)) {
            return TOP_NAMES.getOrDefault(ours, DISTILLATION_NAMES.get(ours));
        }
        String[] parts = ours.split("\\.", 2);
        return "blocks." + Integer.parseInt(parts[0].substring("block".length())) + "."
                + BLOCK_NAMES.getOrDefault(parts[1], LAYER_SCALE_NAMES.get(parts[1]));
    }

    /** vitprune's arrays from timm's tensors; fails naming any tensor it does not use. */
    private static Map<String, NDArray> map(CheckpointTensors tensors, VitConfig config) {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        // Average pooling normalises after pooling (timm's fc_norm) where class-token pooling normalises before (norm).
        String finalNorm = config.topology().pooling() == Topology.Pooling.AVERAGE ? "fc_norm." : "norm.";
        TOP_NAMES.forEach((ours, theirs) -> arrays.put(ours, tensors.take(theirs.startsWith("norm.") ? finalNorm + theirs.substring(5) : theirs)));
        if (config.topology().distillationToken()) {
            DISTILLATION_NAMES.forEach((ours, theirs) -> arrays.put(ours, tensors.take(theirs)));
        }
        arrays.put("patch_weight", arrays.get("patch_weight").reshape(config.dim(), config.patchDim()));
        for (int b = 0; b < config.depth(); b++) {
            String prefix = String.format("block%02d.", b);
            for (Map.Entry<String, String> name : BLOCK_NAMES.entrySet()) {
                arrays.put(prefix + name.getKey(), tensors.take("blocks." + b + "." + name.getValue()));
            }
            if (config.topology().layerScale()) {
                for (Map.Entry<String, String> name : LAYER_SCALE_NAMES.entrySet()) {
                    arrays.put(prefix + name.getKey(), tensors.take("blocks." + b + "." + name.getValue()));
                }
            }
        }
        tensors.requireAllTaken("a plain or distilled ViT / DeiT");
        return arrays;
    }

}
