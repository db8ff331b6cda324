package io.vitprune.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * A ViT classifier in the topology of methods.md section 1 or another {@link Topology}, as a DJL
 * block. Block widths come from a {@link ModelStructure}, so the same class runs unpruned and
 * pruned (ragged) models.
 *
 * <p>The model owns its parameter arrays (in its own manager) and must be closed.
 */
public final class VisionTransformer extends AbstractBlock implements PrunableModel, AutoCloseable {
    private final VitConfig config;
    private final ModelStructure structure;
    private final NDManager manager;
    private final List<TransformerBlock> blocks = new ArrayList<>();

    // Declared in this order (the weights file lists them so): vit-pytorch's patch LayerNorms
    // exist only in its topology, the distillation token and its head only in a distilled one.
    private final Parameter patchNormGamma;
    private final Parameter patchNormBeta;
    private final Parameter patchWeight;
    private final Parameter patchBias;
    private final Parameter embedNormGamma;
    private final Parameter embedNormBeta;
    private final Parameter classToken;
    private final Parameter distillationToken;
    private final Parameter positions;
    private final Parameter finalNormGamma;
    private final Parameter finalNormBeta;
    private final Parameter headWeight;
    private final Parameter headBias;
    private final Parameter distillationHeadWeight;
    private final Parameter distillationHeadBias;

    private VisionTransformer(VitConfig config, ModelStructure structure, NDManager parent) {
        config.requireCompatible(structure);
        this.config = config;
        this.structure = structure;
        this.manager = parent.newSubManager();
        boolean normed = config.topology().patchEmbedding() == Topology.PatchEmbedding.NORMED_LINEAR;
        patchNormGamma = normed ? param("patch_norm_gamma", Parameter.Type.GAMMA) : null;
        patchNormBeta = normed ? param("patch_norm_beta", Parameter.Type.BETA) : null;
        patchWeight = param("patch_weight", Parameter.Type.WEIGHT);
        patchBias = param("patch_bias", Parameter.Type.BIAS);
        embedNormGamma = normed ? param("embed_norm_gamma", Parameter.Type.GAMMA) : null;
        embedNormBeta = normed ? param("embed_norm_beta", Parameter.Type.BETA) : null;
        classToken = param("class_token", Parameter.Type.WEIGHT);
        boolean distilled = config.topology().distillationToken();
        distillationToken = distilled ? param("distillation_token", Parameter.Type.WEIGHT) : null;
        positions = param("position_embedding", Parameter.Type.WEIGHT);
        finalNormGamma = param("final_norm_gamma", Parameter.Type.GAMMA);
        finalNormBeta = param("final_norm_beta", Parameter.Type.BETA);
        headWeight = param("head_weight", Parameter.Type.WEIGHT);
        headBias = param("head_bias", Parameter.Type.BIAS);
        distillationHeadWeight = distilled ? param("head_dist_weight", Parameter.Type.WEIGHT) : null;
        distillationHeadBias = distilled ? param("head_dist_bias", Parameter.Type.BIAS) : null;
        for (int b = 0; b < structure.depth(); b++) {
            blocks.add(addChildBlock(String.format("block%02d", b), new TransformerBlock(structure.block(b), config.attentionScale(), config.topology())));
        }
    }

    /**
     * How blocks with heads of several widths run their attention (default {@code AUTO}); the
     * output does not depend on it. Masked, token-pruned and class-attention passes always run grouped.
     */
    public VisionTransformer setHeadExecution(TransformerBlock.HeadExecution execution) {
        blocks.forEach(block -> block.setHeadExecution(execution));
        return this;
    }

    /** A new model with random weights (truncated normal, std 0.02; LayerNorm 1 / 0), reproducible from {@code seed}. */
    public static VisionTransformer initialize(VitConfig config, ModelStructure structure, long seed, NDManager manager) {
        VisionTransformer model = new VisionTransformer(config, structure, manager);
        Random random = new Random(seed);
        Map<String, Shape> shapes = model.expectedShapes();
        for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
            Shape shape = shapes.get(entry.getKey());
            Parameter.Type type = entry.getValue().getType();
            float[] values = new float[(int) shape.size()];
            if (type == Parameter.Type.GAMMA) {
                java.util.Arrays.fill(values, 1f);
            } else if (type == Parameter.Type.WEIGHT) {
                for (int i = 0; i < values.length; i++) {
                    values[i] = truncatedNormal(random) * 0.02f;
                }
            }
            entry.getValue().setArray(model.manager.create(values, shape));
        }
        return model;
    }

    public static VisionTransformer initialize(VitConfig config, long seed, NDManager manager) {
        return initialize(config, config.initialStructure(), seed, manager);
    }

    /**
     * A model whose parameters are the given arrays (moved into the model's manager). Fails naming
     * the first missing, unexpected or wrongly shaped parameter.
     */
    public static VisionTransformer fromParameters(VitConfig config, ModelStructure structure, Map<String, NDArray> arrays, NDManager manager) {
        VisionTransformer model = new VisionTransformer(config, structure, manager);
        try {
            Map<String, Shape> shapes = model.expectedShapes();
            for (String name : arrays.keySet()) {
                if (!shapes.containsKey(name)) {
                    throw new InvalidInputException("parameter '" + name + "' is not part of this model: expected only " + shapes.keySet());
                }
            }
            for (Map.Entry<String, Parameter> entry : model.namedParameters().entrySet()) {
                NDArray array = arrays.get(entry.getKey());
                Shape expected = shapes.get(entry.getKey());
                if (array == null) {
                    throw new InvalidInputException("parameter '" + entry.getKey() + "' is missing: expected an array of shape " + expected);
                }
                if (!array.getShape().equals(expected)) {
                    throw new InvalidInputException("parameter '" + entry.getKey() + "' has shape " + array.getShape()
                            + ": the config and structure expect " + expected);
                }
                array.attach(model.manager);
                entry.getValue().setArray(array);
            }
            return model;
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private Parameter param(String name, Parameter.Type type) {
        return addParameter(Parameter.builder().setName(name).setType(type).build());
    }

    public VitConfig config() {
        return config;
    }

    @Override
    public ModelStructure structure() {
        return structure;
    }

    public NDManager manager() {
        return manager;
    }

    /** Every parameter by a stable name ({@code block03.qkv_weight} for block parameters). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>(getDirectParameters().toMap());
        for (int b = 0; b < blocks.size(); b++) {
            String prefix = String.format("block%02d.", b);
            blocks.get(b).getDirectParameters().forEach(p -> named.put(prefix + p.getKey(), p.getValue()));
        }
        return named;
    }

    /** The shape every parameter of a model of {@code config} and {@code structure} must have, without making its weights. */
    public static Map<String, Shape> expectedShapes(VitConfig config, ModelStructure structure, NDManager manager) {
        try (VisionTransformer bare = new VisionTransformer(config, structure, manager)) {
            return bare.expectedShapes();
        }
    }

    /** The shape every parameter must have for this config and structure. */
    public Map<String, Shape> expectedShapes() {
        int dim = config.dim();
        Map<String, Shape> top = new LinkedHashMap<>();
        top.put("patch_norm_gamma", new Shape(config.patchDim()));
        top.put("patch_norm_beta", new Shape(config.patchDim()));
        top.put("patch_weight", new Shape(dim, config.patchDim()));
        top.put("patch_bias", new Shape(dim));
        top.put("embed_norm_gamma", new Shape(dim));
        top.put("embed_norm_beta", new Shape(dim));
        top.put("class_token", new Shape(1, 1, dim));
        top.put("distillation_token", new Shape(1, 1, dim));
        top.put("position_embedding", new Shape(1, config.tokens(), dim));
        top.put("final_norm_gamma", new Shape(dim));
        top.put("final_norm_beta", new Shape(dim));
        top.put("head_weight", new Shape(config.classes(), dim));
        top.put("head_bias", new Shape(config.classes()));
        top.put("head_dist_weight", new Shape(config.classes(), dim));
        top.put("head_dist_bias", new Shape(config.classes()));
        Map<String, Shape> shapes = new LinkedHashMap<>();
        getDirectParameters().keys().forEach(name -> shapes.put(name, top.get(name)));
        for (int b = 0; b < blocks.size(); b++) {
            String prefix = String.format("block%02d.", b);
            blocks.get(b).parameterShapes(dim).forEach((name, shape) -> shapes.put(prefix + name, shape));
        }
        return shapes;
    }

    @Override
    public NDManager newScope() {
        NDManager scope = manager.newSubManager();
        namedParameters().values().forEach(parameter -> parameter.getArray().tempAttach(scope));
        return scope;
    }

    @Override
    public NDArray weight(int block, ModelPart part) {
        return blocks.get(block).weight(part);
    }

    @Override
    public NDArray embed(NDArray images) {
        Shape shape = images.getShape();
        int side = config.patchesPerSide();
        int p = config.patchSize();
        if (shape.dimension() != 4 || shape.get(1) != VitConfig.CHANNELS || shape.get(2) != config.imageSize() || shape.get(3) != config.imageSize()) {
            throw new InvalidInputException("images of shape " + shape + ": expected (batch, 3, " + config.imageSize() + ", " + config.imageSize() + ")");
        }
        long batch = shape.get(0);
        double eps = config.topology().layerNormEps();
        NDArray x;
        if (patchNormGamma != null) {
            // (B, C, H, W) -> (B, patches, p * p * C), each patch flattened as (row, col, channel).
            NDArray patches = images.reshape(batch, VitConfig.CHANNELS, side, p, side, p)
                    .transpose(0, 2, 4, 3, 5, 1)
                    .reshape(batch, config.patches(), config.patchDim());
            x = TransformerBlock.layerNorm(patches, patchNormGamma, patchNormBeta, eps);
            x = Linear.linear(x, patchWeight.getArray(), patchBias.getArray()).singletonOrThrow();
            x = TransformerBlock.layerNorm(x, embedNormGamma, embedNormBeta, eps);
        } else {
            // A convolution with kernel and stride p: each patch flattened as (channel, row, col), as its kernel is.
            NDArray patches = images.reshape(batch, VitConfig.CHANNELS, side, p, side, p)
                    .transpose(0, 2, 4, 1, 3, 5)
                    .reshape(batch, config.patches(), config.patchDim());
            x = Linear.linear(patches, patchWeight.getArray(), patchBias.getArray()).singletonOrThrow();
        }
        NDList tokens = new NDList(batchOf(classToken, batch, x));
        if (distillationToken != null) {
            tokens.add(batchOf(distillationToken, batch, x));
        }
        tokens.add(x);
        return NDArrays.concat(tokens, 1).add(positions.getArray());
    }

    /** A learned token repeated for each image, in the batch's manager (the only results whose first operand is a weight). */
    private NDArray batchOf(Parameter token, long batch, NDArray patches) {
        NDArray repeated = token.getArray().broadcast(batch, 1, config.dim());
        repeated.attach(patches.getManager());
        return repeated;
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return blocks.get(index).forward(tokens, attentionMask, mlpMask);
    }

    /**
     * Block {@code index} with an optional token keep policy (batch, tokens) of 0/1 values, class
     * token included (DynamicViT's masked attention, methods.md section 4.5; null: every token is
     * kept), and, when {@code classAttention}, the class token's attention over every token of
     * this block, averaged over heads (batch, tokens).
     */
    public TransformerBlock.Pass block(int index, NDArray tokens, NDArray policy, boolean classAttention) {
        return blocks.get(index).forward(tokens, null, null, policy, classAttention);
    }

    /**
     * The attention half of block {@code index}, {@code x + Attn(LN(x))}, for token reduction between
     * a block's attention and its MLP: {@code sizes} (batch, tokens; null for all 1) add
     * {@code log(size)} of each key to the attention logits (proportional attention); {@code keys}
     * and {@code classAttention} ask for the block's keys and the class token's attention.
     * {@code feedForward(index, attend(index, x, null, false, false).tokens())} is {@code block(index, x, null, null)}.
     */
    public TransformerBlock.Attended attend(int index, NDArray tokens, NDArray sizes, boolean keys, boolean classAttention) {
        return blocks.get(index).attend(tokens, null, null, sizes, keys, classAttention);
    }

    /** The MLP half of block {@code index}, {@code x + MLP(LN(x))}. */
    public NDArray feedForward(int index, NDArray tokens) {
        return blocks.get(index).feedForward(tokens, null);
    }

    /**
     * The logits of the final tokens. A distilled model averages its two heads, the class token's
     * and the distillation token's, as timm's DeiT does at inference; training and fine-tuning
     * use these averaged logits too (one set of logits for every loss, no separate teacher term).
     */
    @Override
    public NDArray classify(NDArray tokens) {
        NDArray pooled = config.topology().pooling() == Topology.Pooling.AVERAGE
                ? tokens.get(new NDIndex(":, 1:, :")).mean(new int[] {1})
                : tokens.get(new NDIndex(":, 0, :"));
        NDArray logits = head(pooled, headWeight, headBias);
        if (distillationHeadWeight == null) {
            return logits;
        }
        return logits.add(head(tokens.get(new NDIndex(":, 1, :")), distillationHeadWeight, distillationHeadBias)).div(2);
    }

    private NDArray head(NDArray token, Parameter weight, Parameter bias) {
        NDArray normed = TransformerBlock.layerNorm(token, finalNormGamma, finalNormBeta, config.topology().layerNormEps());
        return Linear.linear(normed, weight.getArray(), bias.getArray()).singletonOrThrow();
    }

    /** The final LayerNorm applied to every token (batch, tokens, dim): the features DynamicViT distils. */
    public NDArray finalNorm(NDArray tokens) {
        return TransformerBlock.layerNorm(tokens, finalNormGamma, finalNormBeta, config.topology().layerNormEps());
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(logits(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), config.classes())};
    }

    @Override
    public void close() {
        manager.close();
    }

    private static float truncatedNormal(Random random) {
        double value;
        do {
            value = random.nextGaussian();
        } while (Math.abs(value) > 2.0);
        return (float) value;
    }
}
