package io.vitprune.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * What a learned scorer adds to the host's training (see {@link ModelTraining}): parameters of its
 * own, trained with the model's weights, that may act as unit masks in the blocks, and a penalty
 * on them added to the task loss. VTP, for example, gates every attention channel and MLP unit
 * and adds {@code lambda * sum |g|}.
 *
 * <p>The scorer owns the parameters and their arrays (create them in the context's manager); the
 * host trains them in place, checkpoints them under their names and restores them on resume, so
 * after training they hold the trained values. The host's optimizer decays weight matrices
 * ({@link Parameter.Type#WEIGHT}, two dimensions) and nothing else.
 */
public interface Regularizer {
    /** The parameters to train, by names unique among them and the model's ({@code gate.*}, say); iteration order is kept. */
    Map<String, Parameter> parameters();

    /**
     * The mask multiplying block {@code block}'s units of {@code kind} (attention channels or MLP
     * units, as in {@link PrunableModel#block}) in every forward pass of training, or null for none.
     * Computed from {@link #parameters()}, it is what lets gradients reach them.
     */
    NDArray mask(int block, UnitKind kind);

    /**
     * The term added to a batch's task loss: a scalar computed from {@link #parameters()}. Create
     * constants in {@code step}, the step's scope (e.g. {@code step.create(0.01f)}), not with
     * NDArray's number overloads, whose temporary operand autograd may read after it is freed.
     */
    NDArray penalty(NDManager step);

    /**
     * The settings that shape this regularizer's training but are not in the {@link TrainingSpec}
     * (e.g. {@code "lambda=1e-4"}): the host records them with the spec in the work directory and
     * refuses to resume there with others.
     */
    String recipe();
}
