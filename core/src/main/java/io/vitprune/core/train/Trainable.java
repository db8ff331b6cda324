package io.vitprune.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.core.model.VisionTransformer;
import java.util.Map;

/**
 * What a {@link TrainingRun} trains: a network and, optionally, extra parameters that take part
 * in its forward pass (for example VTP's channel gates, passed to the blocks as masks). The run
 * differentiates this view's {@link #logits}, updates the network's and the extra parameters with
 * one optimizer, and checkpoints both. Every method defaults to the plain network, so
 * {@link #of} is ordinary training and an implementation overrides only what it changes.
 */
public interface Trainable extends PrunableModel {
    /** The plain network: its own forward pass, no extra parameters. */
    static Trainable of(VisionTransformer network) {
        return () -> network;
    }

    /** The network whose weights train; checkpoints save it as a model directory. */
    VisionTransformer network();

    /** Parameters trained besides the network's, by names unique among both; checkpointed with the network. */
    default Map<String, Parameter> extraParameters() {
        return Map.of();
    }

    /** The loss a step differentiates, given the objective's; a trainable may add a penalty on its extra parameters. */
    default NDArray regularize(NDArray loss) {
        return loss;
    }

    /**
     * Learning-rate multiplier of parameter {@code name} (a network or extra parameter), e.g. 0.01 for
     * a pretrained backbone trained beside new modules; 1 by default.
     */
    default double learningRateScale(String name) {
        return 1.0;
    }

    /**
     * Called before the forward pass of every optimizer step with the step's index (counted from 0
     * over the whole run, resumed runs included), so that a stochastic forward pass (e.g. Gumbel
     * noise) can draw its randomness from the seed and the step alone and resume exactly.
     */
    default void beginStep(long step) {
    }

    /** The network's scope, holding the extra parameters too, so that arrays computed from them are freed with it. */
    @Override
    default NDManager newScope() {
        NDManager scope = network().newScope();
        extraParameters().values().forEach(parameter -> parameter.getArray().tempAttach(scope));
        return scope;
    }

    @Override
    default ModelStructure structure() {
        return network().structure();
    }

    @Override
    default NDArray weight(int block, ModelPart part) {
        return network().weight(block, part);
    }

    @Override
    default NDArray embed(NDArray images) {
        return network().embed(images);
    }

    @Override
    default NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return network().block(index, tokens, attentionMask, mlpMask);
    }

    @Override
    default NDArray classify(NDArray tokens) {
        return network().classify(tokens);
    }
}
