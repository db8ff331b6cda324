package io.vitprune.core.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelPart;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One pre-norm transformer block, {@code x + Attn(LN(x))} then {@code x + MLP(LN(x))}, with
 * heads of any widths. Heads of equal width must be adjacent (surgery orders them so); how heads of
 * several widths run is a {@link HeadExecution}.
 */
public final class TransformerBlock extends AbstractBlock {
    /**
     * How the attention core (scores, softmax, weighted values) runs when a block has heads of
     * several widths. Both are exact; which is faster depends on the widths and the batch (measured
     * by bench-jmh's {@code ForwardBenchmark}).
     */
    public enum HeadExecution {
        /** One batched product per run of equal-width heads: no extra arithmetic, a few small operations per width. */
        GROUPED,
        /**
         * Every head zero-padded to the block's widest inside the core, all heads in one batched
         * product: one gather before and one after, padded arithmetic in the core only (the
         * projections stay compact). Zero query and key channels add nothing to a score and zero value
         * channels are dropped again, so the output is the grouped one. Used for plain inference; masked,
         * token-pruned and class-attention passes run grouped.
         */
        PADDED,
        /**
         * The default: {@code PADDED} for a single image, {@code GROUPED} for more. In the JMH run of
         * {@code docs/benchmarks.md} (2-core CPU) every ragged plan of both models ran faster padded at
         * batch 1, and most ran faster grouped at batch 32 and 128; batches between 1 and 32 were not
         * measured, so the switch sits where the measurement shows the crossing.
         */
        AUTO;

        /** Whether a plain pass over {@code batch} images runs padded (when the block has heads of several widths). */
        public boolean padsAt(long batch) {
            return this == PADDED || (this == AUTO && batch == 1);
        }
    }

    private final BlockStructure structure;
    private final float attentionScale;
    private final List<HeadGroup> headGroups;
    private HeadExecution headExecution = HeadExecution.AUTO;
    /** The padded layout, made when an execution may pad and the block has heads of several widths. */
    private final PaddedHeads paddedHeads;

    private final Topology topology;
    final Parameter attentionNormGamma = param("attn_norm_gamma", Parameter.Type.GAMMA);
    final Parameter attentionNormBeta = param("attn_norm_beta", Parameter.Type.BETA);
    final Parameter qkvWeight = param("qkv_weight", Parameter.Type.WEIGHT);
    final Parameter qkvBias;
    final Parameter outWeight;
    final Parameter outBias;
    final Parameter mlpNormGamma;
    final Parameter mlpNormBeta;
    final Parameter mlpInWeight;
    final Parameter mlpInBias;
    final Parameter mlpOutWeight;
    final Parameter mlpOutBias;
    final Parameter attentionScaleGamma;
    final Parameter mlpScaleGamma;

    /** Heads {@code [firstChannel, firstChannel + heads * width)} of one width. */
    private record HeadGroup(int firstChannel, int heads, int width) { }

    TransformerBlock(BlockStructure structure, float attentionScale, Topology topology) {
        this.structure = structure;
        this.attentionScale = attentionScale;
        this.topology = topology;
        // In this order, the weights file's: a q/k/v bias exists only in topologies that have one.
        qkvBias = topology.qkvBias() ? param("qkv_bias", Parameter.Type.BIAS) : null;
        outWeight = param("out_weight", Parameter.Type.WEIGHT);
        outBias = param("out_bias", Parameter.Type.BIAS);
        mlpNormGamma = param("mlp_norm_gamma", Parameter.Type.GAMMA);
        mlpNormBeta = param("mlp_norm_beta", Parameter.Type.BETA);
        mlpInWeight = param("mlp_in_weight", Parameter.Type.WEIGHT);
        mlpInBias = param("mlp_in_bias", Parameter.Type.BIAS);
        mlpOutWeight = param("mlp_out_weight", Parameter.Type.WEIGHT);
        mlpOutBias = param("mlp_out_bias", Parameter.Type.BIAS);
        attentionScaleGamma = topology.layerScale() ? param("attn_scale_gamma", Parameter.Type.GAMMA) : null;
        mlpScaleGamma = topology.layerScale() ? param("mlp_scale_gamma", Parameter.Type.GAMMA) : null;
        this.headGroups = groupHeads(structure);
        this.paddedHeads = headGroups.size() > 1 ? PaddedHeads.of(structure) : null;
    }

    private Parameter param(String name, Parameter.Type type) {
        return addParameter(Parameter.builder().setName(name).setType(type).build());
    }

    public BlockStructure structure() {
        return structure;
    }

    void setHeadExecution(HeadExecution execution) {
        this.headExecution = java.util.Objects.requireNonNull(execution, "head execution is null");
    }

    /** Whether a plain (unmasked) pass over {@code batch} images runs the attention core padded. */
    boolean runsPadded(long batch) {
        return paddedHeads != null && headExecution.padsAt(batch);
    }

    NDArray weight(ModelPart part) {
        return switch (part) {
            case QKV_WEIGHT -> qkvWeight.getArray();
            case ATTENTION_OUT_WEIGHT -> outWeight.getArray();
            case MLP_IN_WEIGHT -> mlpInWeight.getArray();
            case MLP_IN_BIAS -> mlpInBias.getArray();
            case MLP_OUT_WEIGHT -> mlpOutWeight.getArray();
        };
    }

    /** The shape of every parameter of this block, by name, for model width {@code dim}. */
    Map<String, Shape> parameterShapes(int dim) {
        int inner = structure.attentionWidth();
        int mlp = structure.mlpWidth();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("attn_norm_gamma", new Shape(dim));
        shapes.put("attn_norm_beta", new Shape(dim));
        shapes.put("qkv_weight", new Shape(3L * inner, dim));
        if (qkvBias != null) {
            shapes.put("qkv_bias", new Shape(3L * inner));
        }
        shapes.put("out_weight", new Shape(dim, inner));
        shapes.put("out_bias", new Shape(dim));
        shapes.put("mlp_norm_gamma", new Shape(dim));
        shapes.put("mlp_norm_beta", new Shape(dim));
        shapes.put("mlp_in_weight", new Shape(mlp, dim));
        shapes.put("mlp_in_bias", new Shape(mlp));
        shapes.put("mlp_out_weight", new Shape(dim, mlp));
        shapes.put("mlp_out_bias", new Shape(dim));
        if (attentionScaleGamma != null) {
            shapes.put("attn_scale_gamma", new Shape(dim));
            shapes.put("mlp_scale_gamma", new Shape(dim));
        }
        return shapes;
    }

    /** The block's output tokens and, when asked for, the class token's attention over every token averaged over heads (else null). */
    public record Pass(NDArray tokens, NDArray classAttention) { }

    NDArray forward(NDArray x, NDArray attentionMask, NDArray mlpMask) {
        return forward(x, attentionMask, mlpMask, null, false).tokens();
    }

    /**
     * The attention half of the block, {@code x + Attn(LN(x))}; with {@code keys}, also the
     * attention keys of every head side by side (batch, tokens, attention width); with
     * {@code classAttention}, also the class token's attention averaged over heads (batch, tokens).
     */
    public record Attended(NDArray tokens, NDArray keys, NDArray classAttention) { }

    /**
     * The block with an optional token keep policy (batch, tokens) of DynamicViT (methods.md section
     * 4.5): token i attends to token j with weight {@code P_ij = policy_j + (1 - policy_j) [i == j]},
     * so a dropped token attends to itself only and no token attends to a dropped one.
     */
    Pass forward(NDArray x, NDArray attentionMask, NDArray mlpMask, NDArray policy, boolean classAttention) {
        Attended attended = attend(x, attentionMask, policy, null, false, classAttention);
        return new Pass(feedForward(attended.tokens(), mlpMask), attended.classAttention());
    }

    /**
     * The attention half; {@code sizes} (batch, tokens), or null for all 1, are how many patches each
     * token stands for after token merging: {@code log(size)} of each key is added to the attention
     * logits (proportional attention, methods.md section 4.6).
     */
    Attended attend(NDArray x, NDArray attentionMask, NDArray policy, NDArray sizes, boolean keys, boolean classAttention) {
        NDArray[] clsAttention = classAttention ? new NDArray[1] : null;
        NDArray[] keysOut = keys ? new NDArray[1] : null;
        NDArray attended = attention(layerNorm(x, attentionNormGamma, attentionNormBeta, topology.layerNormEps()), attentionMask, policy, sizes,
                keysOut, clsAttention);
        return new Attended(x.add(scaled(attended, attentionScaleGamma)), keys ? keysOut[0] : null, classAttention ? clsAttention[0] : null);
    }

    /** The MLP half of the block, {@code x + MLP(LN(x))}. */
    NDArray feedForward(NDArray x, NDArray mlpMask) {
        NDArray mlp = mlp(layerNorm(x, mlpNormGamma, mlpNormBeta, topology.layerNormEps()), mlpMask);
        return x.add(scaled(mlp, mlpScaleGamma));
    }

    private NDArray attention(NDArray x, NDArray mask, NDArray policy, NDArray sizes, NDArray[] keys, NDArray[] classAttention) {
        long batch = x.getShape().get(0);
        long tokens = x.getShape().get(1);
        int inner = structure.attentionWidth();
        NDArray qkv = Linear.linear(x, qkvWeight.getArray(), qkvBias == null ? null : qkvBias.getArray()).singletonOrThrow();
        if (keys != null) {
            keys[0] = qkv.get(new NDIndex(":, :, {}:{}", inner, 2 * inner));
        }
        NDArray logSizes = sizes == null ? null : logSizes(sizes, batch, tokens);
        if (runsPadded(batch) && mask == null && policy == null && classAttention == null) {
            return Linear.linear(paddedAttention(qkv, batch, tokens, logSizes), outWeight.getArray(), outBias.getArray()).singletonOrThrow();
        }
        if (mask != null) {
            NDArray perImage = mask.getShape().dimension() == 1 ? mask.reshape(1, 1, inner) : mask.reshape(batch, 1, inner);
            qkv = qkv.mul(NDArrays.concat(new NDList(perImage, perImage, perImage), -1));
        }
        NDList outputs = new NDList(headGroups.size());
        NDArray attentionPolicy = policy == null ? null : attentionPolicy(policy, batch, tokens);
        NDArray clsSum = null;
        for (HeadGroup group : headGroups) {
            int width = group.heads() * group.width();
            NDArray q = headsOf(qkv, group.firstChannel(), width, group, batch, tokens).mul(Scalars.of(qkv, attentionScale));
            NDArray k = headsOf(qkv, inner + group.firstChannel(), width, group, batch, tokens);
            NDArray v = headsOf(qkv, 2 * inner + group.firstChannel(), width, group, batch, tokens);
            NDArray scores = withLogSizes(q.matMul(k.transpose(0, 1, 3, 2)), logSizes);
            NDArray weights = attentionPolicy == null ? scores.softmax(-1) : softmaxWithPolicy(scores, attentionPolicy, tokens);
            if (classAttention != null) {
                NDArray fromClass = weights.get(new NDIndex(":, :, 0, :")).sum(new int[] {1});
                clsSum = clsSum == null ? fromClass : clsSum.add(fromClass);
            }
            outputs.add(weights.matMul(v).transpose(0, 2, 1, 3).reshape(batch, tokens, width));
        }
        if (classAttention != null) {
            classAttention[0] = clsSum.div(Scalars.of(clsSum, structure.heads()));
        }
        NDArray merged = outputs.size() == 1 ? outputs.head() : NDArrays.concat(outputs, -1);
        return Linear.linear(merged, outWeight.getArray(), outBias.getArray()).singletonOrThrow();
    }

    /**
     * The attention core of every head in one product, heads padded to the widest (see
     * {@link HeadExecution#PADDED}). The index arrays are made in the call's scope (a few KB), so
     * that nothing outlives it.
     */
    private NDArray paddedAttention(NDArray qkv, long batch, long tokens, NDArray logSizes) {
        int heads = structure.heads();
        int width = paddedHeads.width();
        NDArray withZero = NDArrays.concat(new NDList(qkv, qkv.getManager().zeros(new Shape(batch, tokens, 1), qkv.getDataType())), -1);
        NDArray qkvPadded = withZero.gather(columns(qkv, paddedHeads.spread(), batch, tokens), 2)
                .reshape(batch, tokens, 3, heads, width)
                .transpose(2, 0, 3, 1, 4);
        NDArray q = qkvPadded.get(0).mul(Scalars.of(qkv, attentionScale));
        NDArray weights = withLogSizes(q.matMul(qkvPadded.get(1).transpose(0, 1, 3, 2)), logSizes).softmax(-1);
        NDArray values = weights.matMul(qkvPadded.get(2)).transpose(0, 2, 1, 3).reshape(batch, tokens, (long) heads * width);
        return values.gather(columns(qkv, paddedHeads.compact(), batch, tokens), 2);
    }

    /** {@code indices} as a (batch, tokens, n) gather index (a broadcast view), in {@code like}'s manager. */
    private static NDArray columns(NDArray like, long[] indices, long batch, long tokens) {
        return like.getManager().create(indices).reshape(1, 1, indices.length).broadcast(batch, tokens, indices.length);
    }

    /**
     * Index maps of the padded layout: {@code spread} takes, for each of q, k and v and each head,
     * {@code width} columns of {@code [qkv | 0]} (the head's channels, then the zero column);
     * {@code compact} takes the real channels back out of the padded heads' output.
     */
    record PaddedHeads(int width, long[] spread, long[] compact) {
        static PaddedHeads of(BlockStructure structure) {
            List<Integer> widths = structure.headWidths();
            int width = widths.stream().mapToInt(Integer::intValue).max().orElseThrow();
            int inner = structure.attentionWidth();
            long[] spread = new long[3 * widths.size() * width];
            long[] compact = new long[inner];
            int channel = 0;
            for (int h = 0; h < widths.size(); h++) {
                for (int c = 0; c < width; c++) {
                    for (int part = 0; part < 3; part++) {
                        spread[(part * widths.size() + h) * width + c] = c < widths.get(h) ? part * inner + channel + c : 3L * inner;
                    }
                    if (c < widths.get(h)) {
                        compact[channel + c] = (long) h * width + c;
                    }
                }
                channel += widths.get(h);
            }
            return new PaddedHeads(width, spread, compact);
        }
    }

    /** Token sizes (batch, tokens) as their logarithms (batch, 1, 1, tokens): one per key, for every head and query. */
    private static NDArray logSizes(NDArray sizes, long batch, long tokens) {
        if (!sizes.getShape().equals(new Shape(batch, tokens))) {
            throw new IllegalArgumentException("token sizes of shape " + sizes.getShape() + ": expected (" + batch + ", " + tokens + ")");
        }
        return sizes.log().reshape(batch, 1, 1, tokens);
    }

    private static NDArray withLogSizes(NDArray scores, NDArray logSizes) {
        return logSizes == null ? scores : scores.add(logSizes);
    }

    /** {@code P_ij = policy_j + (1 - policy_j) [i == j]} as (batch, 1, tokens, tokens). */
    private static NDArray attentionPolicy(NDArray policy, long batch, long tokens) {
        if (!policy.getShape().equals(new ai.djl.ndarray.types.Shape(batch, tokens))) {
            throw new IllegalArgumentException("token policy of shape " + policy.getShape() + ": expected (" + batch + ", " + tokens + ")");
        }
        NDArray p = policy.reshape(batch, 1, 1, tokens);
        NDArray eye = policy.getManager().eye((int) tokens).reshape(1, 1, tokens, tokens);
        return p.add(p.neg().add(1f).mul(eye));
    }

    /** DynamicViT's masked softmax: {@code A = exp(s - max s) * P}, {@code (A + eps / N) / (sum_j A + eps)}, eps = 1e-6. */
    private static NDArray softmaxWithPolicy(NDArray scores, NDArray attentionPolicy, long tokens) {
        float eps = 1e-6f;
        NDArray shifted = scores.sub(scores.max(new int[] {-1}, true).stopGradient());
        NDArray a = shifted.exp().mul(attentionPolicy);
        return a.add(eps / tokens).div(a.sum(new int[] {-1}, true).add(eps));
    }

    /** Columns {@code [start, start + width)} of qkv as (batch, heads, tokens, head width). */
    private static NDArray headsOf(NDArray qkv, int start, int width, HeadGroup group, long batch, long tokens) {
        return qkv.get(new NDIndex(":, :, {}:{}", start, start + width))
                .reshape(batch, tokens, group.heads(), group.width())
                .transpose(0, 2, 1, 3);
    }

    private NDArray mlp(NDArray x, NDArray mask) {
        NDArray hidden = gelu(Linear.linear(x, mlpInWeight.getArray(), mlpInBias.getArray()).singletonOrThrow());
        if (mask != null) {
            long batch = x.getShape().get(0);
            hidden = hidden.mul(mask.getShape().dimension() == 1 ? mask.reshape(1, 1, -1) : mask.reshape(batch, 1, -1));
        }
        return Linear.linear(hidden, mlpOutWeight.getArray(), mlpOutBias.getArray()).singletonOrThrow();
    }

    /** {@code x} times the LayerScale gains, or {@code x} itself in a topology without them. */
    private static NDArray scaled(NDArray x, Parameter gamma) {
        return gamma == null ? x : x.mul(gamma.getArray());
    }

    private NDArray gelu(NDArray x) {
        if (topology.gelu() == Topology.Gelu.EXACT) {
            return Activation.gelu(x);
        }
        // 0.5 x (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))
        NDArray inner = x.add(x.pow(Scalars.of(x, 3f)).mul(Scalars.of(x, 0.044715f))).mul(Scalars.of(x, (float) Math.sqrt(2 / Math.PI)));
        return x.mul(inner.tanh().add(Scalars.of(x, 1f))).mul(Scalars.of(x, 0.5f));
    }

    static NDArray layerNorm(NDArray x, Parameter gamma, Parameter beta, double eps) {
        return LayerNorm.layerNorm(x, new Shape(x.getShape().getLastDimension()), gamma.getArray(), beta.getArray(), (float) eps)
                .singletonOrThrow();
    }

    private static List<HeadGroup> groupHeads(BlockStructure structure) {
        List<HeadGroup> groups = new ArrayList<>();
        int channel = 0;
        List<Integer> widths = structure.headWidths();
        for (int h = 0; h < widths.size(); ) {
            int width = widths.get(h);
            int count = 0;
            while (h < widths.size() && widths.get(h) == width) {
                h++;
                count++;
            }
            groups.add(new HeadGroup(channel, count, width));
            channel += count * width;
        }
        return List.copyOf(groups);
    }

    @Override
    protected NDList forwardInternal(ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow(), null, null));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inputShapes;
    }
}
