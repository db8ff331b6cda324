package io.vitprune.strategies.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import io.vitprune.core.model.Scalars;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * DynamicViT's prediction module of one stage (methods.md section 4.5, {@code PredictorLG} of the
 * original code): {@code LN -> Linear(C, C) -> GELU}; the first half of the features per token
 * (local), the policy-weighted mean of the second half over tokens (global); {@code [local, global]
 * -> Linear(C, C/2) -> GELU -> Linear(C/2, C/4) -> GELU -> Linear(C/4, 2) -> log-softmax}, channel
 * 0 = keep. Linear weights start truncated-normal (std 0.02), biases 0, LayerNorm 1 / 0, as the
 * original's {@code _init_weights}.
 */
final class DynamicVitPredictor {
    private final int dim;
    private final String prefix;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    DynamicVitPredictor(String prefix, int dim, Random random, NDManager manager) {
        if (dim < 4) {
            throw new io.vitprune.api.InvalidInputException("DynamicViT predictor for dim " + dim + ": expected dim >= 4 (it narrows to dim / 4)");
        }
        this.dim = dim;
        this.prefix = prefix;
        add(prefix, "norm_gamma", Parameter.Type.GAMMA, new Shape(dim), random, manager);
        add(prefix, "norm_beta", Parameter.Type.BETA, new Shape(dim), random, manager);
        add(prefix, "in_weight", Parameter.Type.WEIGHT, new Shape(dim, dim), random, manager);
        add(prefix, "in_bias", Parameter.Type.BIAS, new Shape(dim), random, manager);
        add(prefix, "out1_weight", Parameter.Type.WEIGHT, new Shape(dim / 2, dim), random, manager);
        add(prefix, "out1_bias", Parameter.Type.BIAS, new Shape(dim / 2), random, manager);
        add(prefix, "out2_weight", Parameter.Type.WEIGHT, new Shape(dim / 4, dim / 2), random, manager);
        add(prefix, "out2_bias", Parameter.Type.BIAS, new Shape(dim / 4), random, manager);
        add(prefix, "out3_weight", Parameter.Type.WEIGHT, new Shape(2, dim / 4), random, manager);
        add(prefix, "out3_bias", Parameter.Type.BIAS, new Shape(2), random, manager);
    }

    Map<String, Parameter> parameters() {
        return parameters;
    }

    /**
     * Log-probabilities (batch, n, 2) of keep (channel 0) and drop for the patch tokens of
     * {@code tokens} (batch, 1 + n, dim); {@code policy} (batch, n) weighs the global mean (null: all kept).
     */
    NDArray logProbabilities(NDArray tokens, NDArray policy) {
        NDArray x = tokens.get(new NDIndex(":, 1:, :"));
        x = LayerNorm.layerNorm(x, new Shape(dim), array("norm_gamma"), array("norm_beta"), 1e-5f).singletonOrThrow();
        x = Activation.gelu(linear(x, "in"));
        int half = dim / 2;
        NDArray local = x.get(new NDIndex(":, :, :{}", half));
        NDArray rest = x.get(new NDIndex(":, :, {}:", half));
        NDArray global;
        if (policy == null) {
            global = rest.mean(new int[] {1}, true);
        } else {
            NDArray weights = policy.expandDims(-1);
            // An image whose tokens were all dropped (possible in training) gets a zero global feature, not 0 / 0.
            global = rest.mul(weights).sum(new int[] {1}, true).div(weights.sum(new int[] {1}, true).maximum(Scalars.of(weights, 1e-6f)));
        }
        x = NDArrays.concat(new NDList(local, global.broadcast(rest.getShape())), -1);
        x = Activation.gelu(linear(x, "out1"));
        x = Activation.gelu(linear(x, "out2"));
        return linear(x, "out3").logSoftmax(-1);
    }

    /** Multiply-accumulates per image for {@code n} patch tokens. */
    long macs(int n) {
        long c = dim;
        return n * (c * c + c * (c / 2) + (c / 2) * (c / 4) + (c / 4) * 2);
    }

    private NDArray linear(NDArray x, String name) {
        return Linear.linear(x, array(name + "_weight"), array(name + "_bias")).singletonOrThrow();
    }

    private NDArray array(String name) {
        return parameters.get(prefix + name).getArray();
    }

    private void add(String prefix, String name, Parameter.Type type, Shape shape, Random random, NDManager manager) {
        float[] values = new float[(int) shape.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = switch (type) {
                case GAMMA -> 1f;
                case WEIGHT -> truncatedNormal(random) * 0.02f;
                default -> 0f;
            };
        }
        Parameter parameter = Parameter.builder().setName(prefix + name).setType(type).build();
        parameter.setArray(manager.create(values, shape));
        parameters.put(prefix + name, parameter);
    }

    private static float truncatedNormal(Random random) {
        double value;
        do {
            value = random.nextGaussian();
        } while (Math.abs(value) > 2.0);
        return (float) value;
    }
}
