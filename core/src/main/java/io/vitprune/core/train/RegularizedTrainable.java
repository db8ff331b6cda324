package io.vitprune.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.vitprune.api.Regularizer;
import io.vitprune.api.UnitKind;
import io.vitprune.core.model.VisionTransformer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A network trained with a plug-in's {@link Regularizer}: its parameters are the extra ones (at
 * {@code parameterScale} times the network's learning rate), its masks multiply the blocks' units
 * and its penalty is added to the loss. Owns the network, not the regularizer's parameters.
 */
final class RegularizedTrainable implements Trainable, AutoCloseable {
    private final VisionTransformer network;
    private final Regularizer regularizer;
    private final Map<String, Parameter> parameters;
    private final double parameterScale;

    RegularizedTrainable(VisionTransformer network, Regularizer regularizer, double parameterScale) {
        this.network = requireNonNull(network, "network is null");
        this.regularizer = requireNonNull(regularizer, "regularizer is null");
        // Copied once, in the plug-in's order: the optimizer and the checkpoint see the same parameters every step.
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(requireNonNull(regularizer.parameters(), "regularizer's parameters are null")));
        this.parameterScale = parameterScale;
    }

    @Override
    public VisionTransformer network() {
        return network;
    }

    @Override
    public Map<String, Parameter> extraParameters() {
        return parameters;
    }

    @Override
    public NDArray regularize(NDArray loss) {
        return loss.add(regularizer.penalty(loss.getManager()));
    }

    @Override
    public double learningRateScale(String name) {
        return parameters.containsKey(name) ? parameterScale : 1.0;
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return network.block(index, tokens, combined(attentionMask, regularizer.mask(index, UnitKind.ATTENTION_CHANNEL)),
                combined(mlpMask, regularizer.mask(index, UnitKind.MLP_UNIT)));
    }

    @Override
    public void close() {
        network.close();
    }

    private static NDArray combined(NDArray given, NDArray own) {
        if (own == null || given == null) {
            return own == null ? given : own;
        }
        return given.mul(own);
    }
}
