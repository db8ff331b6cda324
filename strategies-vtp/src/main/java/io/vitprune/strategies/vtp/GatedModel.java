package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.Trainable;
import java.util.List;
import java.util.Map;

/**
 * A network with VTP {@link Gates} (methods.md section 4.4): one gate per attention inner channel
 * of every block, multiplying q, k and v, and one per MLP hidden unit, multiplying it after GELU.
 * These are exactly the masks of {@code PrunableModel.block}, so the gated forward pass is the
 * network's own masked one; masks given to {@link #block} multiply the gates.
 *
 * <p>As a {@link Trainable} the network and the gates train together, with the gates' penalty
 * {@code lambda * sum |g|} added to the loss.
 *
 * <p>Owns the network: the gates live in a sub-manager of the network's manager, and closing this
 * model closes both. Compute inside {@code try (NDManager scope = gated.newScope())}.
 */
public final class GatedModel implements Trainable, AutoCloseable {
    private final VisionTransformer network;
    private final Gates gates;
    private final double gateLearningRateScale;

    private GatedModel(VisionTransformer network, Gates gates, double gateLearningRateScale) {
        this.network = network;
        this.gates = gates;
        this.gateLearningRateScale = gateLearningRateScale;
    }

    /**
     * Gates of 1 (the network unchanged), trained with {@code lambda * sum |g|} at
     * {@code gateLearningRateScale} times the network's learning rate. Once built, the gated model
     * owns {@code network}; bad input fails before that.
     */
    public static GatedModel ones(VisionTransformer network, double lambda, double gateLearningRateScale) {
        requireNonNull(network, "network is null");
        return new GatedModel(network, Gates.ones(network.structure(), lambda, network.manager().newSubManager()), gateLearningRateScale);
    }

    /** Given gates, one array per block of each kind (copied); owns {@code network} once built, like {@link #ones}. */
    public static GatedModel of(VisionTransformer network, List<float[]> attentionGates, List<float[]> mlpGates, double lambda) {
        requireNonNull(network, "network is null");
        return new GatedModel(network, new Gates(network.structure(), attentionGates, mlpGates, lambda, network.manager().newSubManager()), 1.0);
    }

    @Override
    public VisionTransformer network() {
        return network;
    }

    public double lambda() {
        return gates.lambda();
    }

    /** Current attention gates, one array (inner width) per block. */
    public List<float[]> attentionGates() {
        return gates.attentionValues();
    }

    /** Current MLP gates, one array (hidden width) per block. */
    public List<float[]> mlpGates() {
        return gates.mlpValues();
    }

    /** VTP's importance: |g| per channel or MLP unit; a head scores the sum of its channels' |g|. */
    public UnitScores scores(UnitKind kind) {
        return gates.scores(structure(), kind);
    }

    /** A new network without gates that computes what this gated model computes (see {@link GateFolding}). */
    public VisionTransformer fold(NDManager manager) {
        return GateFolding.fold(network, attentionGates(), mlpGates(), manager);
    }

    /** Sum of |g| over every gate of every block. */
    public NDArray l1() {
        return gates.l1();
    }

    @Override
    public NDArray regularize(NDArray loss) {
        return loss.add(gates.penalty(loss.getManager()));
    }

    @Override
    public double learningRateScale(String name) {
        return name.startsWith("gate.") ? gateLearningRateScale : 1.0;
    }

    @Override
    public Map<String, Parameter> extraParameters() {
        return gates.parameters();
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return network.block(index, tokens, gated(gates.mask(index, UnitKind.ATTENTION_CHANNEL), attentionMask),
                gated(gates.mask(index, UnitKind.MLP_UNIT), mlpMask));
    }

    @Override
    public void close() {
        network.close();
    }

    private static NDArray gated(NDArray gate, NDArray mask) {
        return mask == null ? gate : mask.mul(gate);
    }
}
