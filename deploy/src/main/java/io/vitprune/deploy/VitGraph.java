package io.vitprune.deploy;

import static io.vitprune.deploy.GraphBuilder.attribute;

import ai.djl.ndarray.NDArray;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.vitprune.api.BlockStructure;
import io.vitprune.core.model.Topology;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass of a {@link VisionTransformer} (methods.md section 1) as ONNX nodes, operation
 * for operation as the model computes it: patch embedding with its two LayerNorms, class token (and
 * distillation token) and positions, pre-norm blocks with heads laid out by a {@link HeadLayout},
 * exact (erf) GELU, and the class-token head (averaged with the distillation head).
 */
final class VitGraph {
    static final String INPUT = "pixels";
    static final String OUTPUT = "logits";
    static final String BATCH = "batch";

    private final VisionTransformer model;
    private final VitConfig config;
    private final ExportOptions options;
    private final GraphBuilder graph = new GraphBuilder();

    private VitGraph(VisionTransformer model, ExportOptions options) {
        this.model = model;
        this.config = model.config();
        this.options = options;
    }

    /** The graph, and whether it needs ONNX Runtime's contrib operators. */
    static GraphBuilder build(VisionTransformer model, ExportOptions options) {
        VitGraph vit = new VitGraph(model, options);
        String tokens = vit.embed();
        for (int b = 0; b < model.structure().depth(); b++) {
            tokens = vit.block(b, tokens);
        }
        vit.classify(tokens);
        int size = vit.config.imageSize();
        vit.graph.graph().setName("vitprune")
                .addInput(value(INPUT, BATCH, VitConfig.CHANNELS, size, size))
                .addOutput(value(OUTPUT, BATCH, vit.config.classes()));
        return vit.graph;
    }

    /**
     * (batch, 3, H, W) to tokens (batch, 1 + patches, dim): each patch flattened as (row, col,
     * channel) between two LayerNorms (vit-pytorch), or as (channel, row, col), a convolution's kernel.
     */
    private String embed() {
        int side = config.patchesPerSide();
        int p = config.patchSize();
        boolean normed = config.topology().patchEmbedding() == Topology.PatchEmbedding.NORMED_LINEAR;
        String grid = graph.node("Reshape", "embed/grid", List.of(INPUT, graph.int64s(-1, VitConfig.CHANNELS, side, p, side, p)));
        String cells = graph.node("Transpose", "embed/cells", List.of(grid), normed ? attribute("perm", 0, 2, 4, 3, 5, 1) : attribute("perm", 0, 2, 4, 1, 3, 5));
        String x = graph.node("Reshape", "embed/patches", List.of(cells, graph.int64s(-1, config.patches(), config.patchDim())));
        if (normed) {
            x = layerNorm("embed/patch_norm", x, "patch_norm_gamma", "patch_norm_beta");
        }
        x = linear("embed/patch_linear", x, matrix("patch_weight"), parameter("patch_bias"));
        if (normed) {
            x = layerNorm("embed/norm", x, "embed_norm_gamma", "embed_norm_beta");
        }
        String batch = graph.node("Shape", "embed/batch", List.of(INPUT), attribute("start", 0L), attribute("end", 1L));
        String tokenShape = graph.node("Concat", "embed/cls_shape", List.of(batch, graph.int64s(1, config.dim())), attribute("axis", 0L));
        List<String> tokens = new ArrayList<>(List.of(graph.node("Expand", "embed/cls", List.of(parameter("class_token"), tokenShape))));
        if (config.topology().distillationToken()) {
            tokens.add(graph.node("Expand", "embed/dist", List.of(parameter("distillation_token"), tokenShape)));
        }
        tokens.add(x);
        String joined = graph.node("Concat", "embed/tokens", tokens, attribute("axis", 1L));
        return graph.node("Add", "embed/positions", List.of(joined, parameter("position_embedding")));
    }

    /** {@code x + Attn(LN(x))}, then {@code x + MLP(LN(x))}. */
    private String block(int index, String x) {
        String prefix = String.format("block%02d", index);
        String name = prefix + ".";
        BlockStructure block = model.structure().block(index);
        AttentionLayout layout = AttentionLayout.of(block, options.headLayout());
        String normed = layerNorm(prefix + "/attn_norm", x, name + "attn_norm_gamma", name + "attn_norm_beta");
        String qkvBias = config.topology().qkvBias()
                ? graph.floats(name + "qkv_bias_laid_out", qkvRows(vector(name + "qkv_bias"), block, layout).values(), 3 * layout.width()) : null;
        String qkv = linear(prefix + "/qkv", normed, qkvRows(matrix(name + "qkv_weight"), block, layout), qkvBias);
        String attended = attentionCore(prefix, qkv, layout);
        String out = linear(prefix + "/attn_out", attended, matrix(name + "out_weight").columns(layout.sourceChannels()), parameter(name + "out_bias"));
        x = graph.node("Add", prefix + "/attn_residual", List.of(x, layerScaled(prefix + "/attn_scale", out, name + "attn_scale_gamma")));
        normed = layerNorm(prefix + "/mlp_norm", x, name + "mlp_norm_gamma", name + "mlp_norm_beta");
        String hidden = gelu(prefix + "/gelu", linear(prefix + "/mlp_in", normed, matrix(name + "mlp_in_weight"), parameter(name + "mlp_in_bias")));
        String mlp = linear(prefix + "/mlp_out", hidden, matrix(name + "mlp_out_weight"), parameter(name + "mlp_out_bias"));
        return graph.node("Add", prefix + "/mlp_residual", List.of(x, layerScaled(prefix + "/mlp_scale", mlp, name + "mlp_scale_gamma")));
    }

    /** {@code x} times the LayerScale gains {@code gamma}, or {@code x} in a topology without them. */
    private String layerScaled(String name, String x, String gamma) {
        return config.topology().layerScale() ? graph.node("Mul", name, List.of(x, parameter(gamma))) : x;
    }

    /** The q, k and v rows of the laid-out channels, in that order (zero rows for pads). */
    private static Matrix qkvRows(Matrix qkv, BlockStructure block, AttentionLayout layout) {
        int inner = block.attentionWidth();
        int[] source = layout.sourceChannels();
        int[] rows = new int[3 * source.length];
        for (int part = 0; part < 3; part++) {
            for (int c = 0; c < source.length; c++) {
                rows[part * source.length + c] = source[c] < 0 ? -1 : part * inner + source[c];
            }
        }
        return qkv.rows(rows);
    }

    /** softmax(q k^T * scale) v for each group of heads, merged back to (batch, tokens, laid-out width). */
    private String attentionCore(String prefix, String qkv, AttentionLayout layout) {
        int width = layout.width();
        int tokens = config.tokens();
        String scale = graph.scalar(config.attentionScale());
        List<String> outputs = new ArrayList<>();
        int first = 0;
        for (int g = 0; g < layout.groups().size(); g++) {
            AttentionLayout.Group group = layout.groups().get(g);
            String at = prefix + "/heads" + g;
            String q = heads(at + "/q", qkv, first, group, 0, 2, 1, 3);
            String k = heads(at + "/k_t", qkv, width + first, group, 0, 2, 3, 1);
            String v = heads(at + "/v", qkv, 2 * width + first, group, 0, 2, 1, 3);
            String scaled = graph.node("Mul", at + "/q_scaled", List.of(q, scale));
            String scores = graph.node("MatMul", at + "/scores", List.of(scaled, k));
            String weights = graph.node("Softmax", at + "/softmax", List.of(scores), attribute("axis", -1L));
            String values = graph.node("MatMul", at + "/values", List.of(weights, v));
            String merged = graph.node("Transpose", at + "/values_t", List.of(values), attribute("perm", 0, 2, 1, 3));
            outputs.add(graph.node("Reshape", at + "/merged", List.of(merged, graph.int64s(-1, tokens, group.channels()))));
            first += group.channels();
        }
        return outputs.size() == 1 ? outputs.get(0)
                : graph.node("Concat", prefix + "/heads", outputs, attribute("axis", -1L));
    }

    /** Columns {@code [start, start + group width)} of qkv as (batch, tokens, heads, head width), then permuted. */
    private String heads(String name, String qkv, int start, AttentionLayout.Group group, long... perm) {
        String columns = graph.node("Slice", name + "/slice",
                List.of(qkv, graph.int64s(start), graph.int64s(start + group.channels()), graph.int64s(2)));
        String split = graph.node("Reshape", name + "/split", List.of(columns, graph.int64s(-1, config.tokens(), group.heads(), group.width())));
        return graph.node("Transpose", name, List.of(split), attribute("perm", perm));
    }

    /** LayerNorm(x[:, 0]), or LayerNorm of the patch tokens' mean, then the linear head, as {@code logits}. */
    private void classify(String tokens) {
        if (config.topology().distillationToken()) {
            classifyDistilled(tokens);
            return;
        }
        String pooled;
        if (config.topology().pooling() == Topology.Pooling.AVERAGE) {
            String patches = graph.node("Slice", "head/patches", List.of(tokens, graph.int64s(1), graph.int64s(Long.MAX_VALUE), graph.int64s(1)));
            pooled = graph.node("ReduceMean", "head/mean", List.of(patches), attribute("axes", new long[] {1}), attribute("keepdims", 0L));
        } else {
            pooled = token("head/cls", tokens, 0);
        }
        String normed = layerNorm("head/norm", pooled, "final_norm_gamma", "final_norm_beta");
        linear(OUTPUT, normed, matrix("head_weight"), parameter("head_bias"));
    }

    /** The mean of the class head on LayerNorm(x[:, 0]) and the distillation head on LayerNorm(x[:, 1]), as {@code logits}. */
    private void classifyDistilled(String tokens) {
        String pair = graph.node("Slice", "head/tokens", List.of(tokens, graph.int64s(0), graph.int64s(2), graph.int64s(1)));
        String normed = layerNorm("head/norm", pair, "final_norm_gamma", "final_norm_beta");
        String classLogits = linear("head/class_logits", token("head/cls", normed, 0), matrix("head_weight"), parameter("head_bias"));
        String distillationLogits = linear("head/dist_logits", token("head/dist", normed, 1), matrix("head_dist_weight"), parameter("head_dist_bias"));
        String sum = graph.node("Add", "head/sum", List.of(classLogits, distillationLogits));
        graph.node("Mul", OUTPUT, List.of(sum, graph.scalar(0.5f)));
    }

    /** Token {@code index} of every image, (batch, dim). */
    private String token(String name, String tokens, long index) {
        String token = graph.node("Gather", name, List.of(tokens, graph.int64s(index)), attribute("axis", 1L));
        return graph.node("Reshape", name + "_flat", List.of(token, graph.int64s(-1, config.dim())));
    }

    private String layerNorm(String name, String x, String gamma, String beta) {
        return graph.node("LayerNormalization", name, List.of(x, parameter(gamma), parameter(beta)),
                attribute("axis", -1L), attribute("epsilon", (float) config.topology().layerNormEps()));
    }

    /** GELU: exact, {@code 0.5 x (1 + erf(x / sqrt 2))}, in the form ONNX Runtime fuses into one kernel, or the tanh approximation. */
    private String gelu(String name, String x) {
        String plusOne;
        if (config.topology().gelu() == Topology.Gelu.EXACT) {
            String divided = graph.node("Div", name + "/div", List.of(x, graph.scalar((float) Math.sqrt(2))));
            String erf = graph.node("Erf", name + "/erf", List.of(divided));
            plusOne = graph.node("Add", name + "/add", List.of(erf, graph.scalar(1f)));
        } else {
            String cube = graph.node("Mul", name + "/cube", List.of(graph.node("Mul", name + "/square", List.of(x, x)), x));
            String inner = graph.node("Add", name + "/inner", List.of(x, graph.node("Mul", name + "/cubic", List.of(cube, graph.scalar(0.044715f)))));
            String scaled = graph.node("Mul", name + "/scaled", List.of(inner, graph.scalar((float) Math.sqrt(2 / Math.PI))));
            plusOne = graph.node("Add", name + "/add", List.of(graph.node("Tanh", name + "/tanh", List.of(scaled)), graph.scalar(1f)));
        }
        String product = graph.node("Mul", name + "/mul", List.of(x, plusOne));
        return graph.node("Mul", name, List.of(product, graph.scalar(0.5f)));
    }

    /** {@code x W^T + b} for a DJL weight (out, in), as value {@code output}; {@code bias} (an initializer) may be null. */
    private String linear(String output, String x, Matrix weight, String bias) {
        Matrix inOut = weight.transpose();
        String weightName = output + "/weight";
        if (options.quantization() == Quantization.DYNAMIC_INT8) {
            Int8Weights q = Int8Weights.quantize(inOut);
            String values = graph.int8s(weightName + "_int8", q.values(), q.rows(), q.columns());
            String scales = graph.floats(weightName + "_scale", q.scales(), q.columns());
            List<String> inputs = bias == null ? List.of(x, values, scales) : List.of(x, values, scales, "", bias);
            return graph.contribNode("DynamicQuantizeMatMul", output, inputs);
        }
        String w = graph.floats(weightName, inOut.values(), inOut.rows(), inOut.columns());
        if (bias == null) {
            return graph.node("MatMul", output, List.of(x, w));
        }
        String product = graph.node("MatMul", output + "/matmul", List.of(x, w));
        return graph.node("Add", output, List.of(product, bias));
    }

    /** A parameter, used as it is, as an initializer named like the parameter. */
    private String parameter(String name) {
        NDArray array = model.namedParameters().get(name).getArray();
        return graph.floats(name, array.toFloatArray(), array.getShape().getShape());
    }

    /** A 1-D parameter as a one-column matrix. */
    private Matrix vector(String name) {
        NDArray array = model.namedParameters().get(name).getArray();
        return new Matrix(array.toFloatArray(), (int) array.getShape().get(0), 1);
    }

    /** A 2-D weight parameter (out, in). */
    private Matrix matrix(String name) {
        NDArray array = model.namedParameters().get(name).getArray();
        return new Matrix(array.toFloatArray(), (int) array.getShape().get(0), (int) array.getShape().get(1));
    }

    private static ValueInfoProto value(String name, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            shape.addDim(dim instanceof String symbol ? TensorShapeProto.Dimension.newBuilder().setDimParam(symbol)
                    : TensorShapeProto.Dimension.newBuilder().setDimValue(((Number) dim).longValue()));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape))).build();
    }
}
