package io.vitprune.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.InvalidInputException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Adam with decoupled weight decay (Loshchilov and Hutter), as PyTorch's {@code AdamW}. Weight
 * decay applies to weight matrices only, not to biases, LayerNorm or embeddings. Its state (moments
 * and step) can be saved and restored, so that training resumes exactly.
 */
public final class AdamW implements AutoCloseable {
    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final Map<String, Parameter> parameters;
    private final Map<String, Float> learningRateScales;
    private final float weightDecay;
    private final NDManager manager;
    private final Map<String, NDArray> firstMoments = new LinkedHashMap<>();
    private final Map<String, NDArray> secondMoments = new LinkedHashMap<>();
    private long step;

    public AdamW(Map<String, Parameter> parameters, double weightDecay, NDManager parent) {
        this(parameters, Map.of(), weightDecay, parent);
    }

    /**
     * With per-parameter learning rates (parameter groups): parameter {@code name} updates at
     * {@code learningRate * learningRateScales.get(name)} (1 when absent), weight decay scaled
     * alike, as PyTorch does for a group with its own {@code lr}.
     */
    public AdamW(Map<String, Parameter> parameters, Map<String, Double> learningRateScales, double weightDecay, NDManager parent) {
        this.parameters = parameters;
        this.learningRateScales = new LinkedHashMap<>();
        learningRateScales.forEach((name, scale) -> {
            if (!parameters.containsKey(name)) {
                throw new IllegalArgumentException("learning-rate scale for '" + name + "': not a parameter being trained");
            }
            if (!(scale >= 0) || Double.isInfinite(scale)) {
                throw new InvalidInputException("learning-rate scale " + scale + " of '" + name + "': expected a finite number >= 0");
            }
            this.learningRateScales.put(name, scale.floatValue());
        });
        this.weightDecay = (float) weightDecay;
        this.manager = parent.newSubManager();
        parameters.forEach((name, parameter) -> {
            firstMoments.put(name, manager.zeros(parameter.getArray().getShape()));
            secondMoments.put(name, manager.zeros(parameter.getArray().getShape()));
        });
    }

    public long step() {
        return step;
    }

    /**
     * Scales all gradients down so that their global L2 norm is at most {@code maxNorm}, as
     * PyTorch's {@code clip_grad_norm_}; returns whether they were scaled.
     */
    public boolean clipGradientNorm(double maxNorm) {
        double squares = 0;
        for (Parameter parameter : parameters.values()) {
            squares += parameter.getArray().getGradient().square().sum().getFloat();
        }
        double norm = Math.sqrt(squares);
        if (norm <= maxNorm) {
            return false;
        }
        float scale = (float) (maxNorm / (norm + 1e-6));
        parameters.values().forEach(parameter -> parameter.getArray().getGradient().muli(scale));
        return true;
    }

    /**
     * Applies one update from the gradients held by the parameters, then clears them. The
     * parameters must be attached to {@code scope} (see {@code newScope}), which frees temporaries.
     */
    public void update(double learningRate, NDManager scope) {
        step++;
        float baseLr = (float) learningRate;
        float correction1 = 1f - (float) Math.pow(BETA1, step);
        float correction2 = 1f - (float) Math.pow(BETA2, step);
        for (Map.Entry<String, Parameter> entry : parameters.entrySet()) {
            Parameter parameter = entry.getValue();
            float lr = baseLr * learningRateScales.getOrDefault(entry.getKey(), 1f);
            NDArray weight = parameter.getArray();
            NDArray gradient = weight.getGradient();
            NDArray m = firstMoments.get(entry.getKey());
            NDArray v = secondMoments.get(entry.getKey());
            m.tempAttach(scope);
            v.tempAttach(scope);
            if (decays(parameter)) {
                weight.muli(1f - lr * weightDecay);
            }
            m.muli(BETA1).addi(gradient.mul(1f - BETA1));
            v.muli(BETA2).addi(gradient.square().muli(1f - BETA2));
            NDArray denominator = v.div(correction2).sqrt().addi(EPSILON);
            weight.subi(m.mul(lr / correction1).divi(denominator));
            gradient.subi(gradient);
        }
    }

    private static boolean decays(Parameter parameter) {
        return parameter.getType() == Parameter.Type.WEIGHT && parameter.getArray().getShape().dimension() == 2;
    }

    /** Moments as named arrays ({@code m/<name>}, {@code v/<name>}), for checkpoints. */
    public NDList state() {
        NDList state = new NDList();
        firstMoments.forEach((name, array) -> {
            array.setName("m/" + name);
            state.add(array);
        });
        secondMoments.forEach((name, array) -> {
            array.setName("v/" + name);
            state.add(array);
        });
        return state;
    }

    /** Restores moments saved by {@link #state()} and the step count. */
    public void restore(NDList state, long savedStep) {
        for (NDArray saved : state) {
            String name = saved.getName();
            Map<String, NDArray> moments = name.startsWith("m/") ? firstMoments : secondMoments;
            NDArray target = moments.get(name.substring(2));
            if (target == null || !target.getShape().equals(saved.getShape())) {
                throw new InvalidInputException("optimizer state '" + name + "' of shape " + saved.getShape()
                        + " does not match the model being trained");
            }
            target.set(saved.toFloatArray());
        }
        step = savedStep;
    }

    @Override
    public void close() {
        manager.close();
    }
}
