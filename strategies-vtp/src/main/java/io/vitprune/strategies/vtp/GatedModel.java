package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.model.Scalars;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.Trainable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A network with VTP gates (methods.md section 4.4): one gate per attention inner channel of every
 * block, multiplying q, k and v, and one per MLP hidden unit, multiplying it after GELU. These are
 * exactly the masks of {@code PrunableModel.block}, so the gated forward pass is the network's own
 * masked one; masks given to {@link #block} multiply the gates.
 *
 * <p>As a {@link Trainable} the network and the gates train together, with
 * {@code lambda * sum |g|} added to the loss (autograd of |g| is the sub-gradient
 * {@code lambda * sign(g)}). The gates are vectors, which AdamW does not decay.
 *
 * <p>Owns the network: the gates live in a sub-manager of the network's manager, and closing this
 * model closes both. Compute inside {@code try (NDManager scope = gated.newScope())}.
 */
public final class GatedModel implements Trainable, AutoCloseable {
    private final VisionTransformer network;
    private final double lambda;
    private final double gateLearningRateScale;
    private final List<Parameter> attentionGates = new ArrayList<>();
    private final List<Parameter> mlpGates = new ArrayList<>();

    private GatedModel(VisionTransformer network, List<float[]> attention, List<float[]> mlp, double lambda, double gateLearningRateScale) {
        requireNonNull(network, "network is null");
        requireMatches(network.structure(), attention, mlp);
        if (!(lambda >= 0 && Double.isFinite(lambda))) {
            throw new InvalidInputException("VTP lambda " + lambda + ": expected a finite number >= 0");
        }
        this.network = network;
        this.lambda = lambda;
        this.gateLearningRateScale = gateLearningRateScale;
        NDManager gates = network.manager().newSubManager();
        for (int b = 0; b < attention.size(); b++) {
            attentionGates.add(gate(String.format("gate.attention.block%02d", b), attention.get(b), gates));
            mlpGates.add(gate(String.format("gate.mlp.block%02d", b), mlp.get(b), gates));
        }
    }

    /**
     * Gates of 1 (the network unchanged), trained with {@code lambda * sum |g|} at
     * {@code gateLearningRateScale} times the network's learning rate. Once built, the gated model
     * owns {@code network}; bad input fails before that.
     */
    public static GatedModel ones(VisionTransformer network, double lambda, double gateLearningRateScale) {
        List<float[]> attention = new ArrayList<>();
        List<float[]> mlp = new ArrayList<>();
        for (BlockStructure block : network.structure().blocks()) {
            attention.add(filled(block.attentionWidth()));
            mlp.add(filled(block.mlpWidth()));
        }
        return new GatedModel(network, attention, mlp, lambda, gateLearningRateScale);
    }

    /** Given gates, one array per block of each kind (copied); owns {@code network} once built, like {@link #ones}. */
    public static GatedModel of(VisionTransformer network, List<float[]> attentionGates, List<float[]> mlpGates, double lambda) {
        return new GatedModel(network, attentionGates, mlpGates, lambda, 1.0);
    }

    @Override
    public VisionTransformer network() {
        return network;
    }

    public double lambda() {
        return lambda;
    }

    /** Current attention gates, one array (inner width) per block. */
    public List<float[]> attentionGates() {
        return values(attentionGates);
    }

    /** Current MLP gates, one array (hidden width) per block. */
    public List<float[]> mlpGates() {
        return values(mlpGates);
    }

    /** VTP's importance: |g| per channel or MLP unit; a head scores the sum of its channels' |g|. */
    public UnitScores scores(UnitKind kind) {
        List<float[]> perBlock = new ArrayList<>();
        List<float[]> attention = attentionGates();
        List<float[]> mlp = mlpGates();
        for (int b = 0; b < structure().depth(); b++) {
            perBlock.add(switch (kind) {
                case ATTENTION_CHANNEL -> abs(attention.get(b));
                case ATTENTION_HEAD -> heads(structure().block(b), abs(attention.get(b)));
                case MLP_UNIT -> abs(mlp.get(b));
                case TOKEN -> throw new InvalidInputException("VTP gates score attention channels, heads and MLP units: not " + kind.id());
            });
        }
        return new UnitScores(kind, perBlock);
    }

    /** A new network without gates that computes what this gated model computes (see {@link GateFolding}). */
    public VisionTransformer fold(NDManager manager) {
        return GateFolding.fold(network, attentionGates(), mlpGates(), manager);
    }

    /** Sum of |g| over every gate of every block. */
    public NDArray l1() {
        NDList all = new NDList();
        attentionGates.forEach(gate -> all.add(gate.getArray()));
        mlpGates.forEach(gate -> all.add(gate.getArray()));
        return NDArrays.concat(all).abs().sum();
    }

    @Override
    public NDArray regularize(NDArray loss) {
        return loss.add(l1().mul(Scalars.of(loss, (float) lambda)));
    }

    @Override
    public double learningRateScale(String name) {
        return name.startsWith("gate.") ? gateLearningRateScale : 1.0;
    }

    @Override
    public Map<String, Parameter> extraParameters() {
        Map<String, Parameter> gates = new LinkedHashMap<>();
        for (int b = 0; b < attentionGates.size(); b++) {
            gates.put(attentionGates.get(b).getName(), attentionGates.get(b));
            gates.put(mlpGates.get(b).getName(), mlpGates.get(b));
        }
        return gates;
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return network.block(index, tokens, gated(attentionGates.get(index), attentionMask), gated(mlpGates.get(index), mlpMask));
    }

    @Override
    public void close() {
        network.close();
    }

    /** Fails unless there is one finite gate per attention channel and per MLP unit of every block. */
    static void requireMatches(ModelStructure structure, List<float[]> attention, List<float[]> mlp) {
        requireNonNull(attention, "attention gates are null");
        requireNonNull(mlp, "MLP gates are null");
        if (attention.size() != structure.depth() || mlp.size() != structure.depth()) {
            throw new InvalidInputException("gates for " + attention.size() + " (attention) and " + mlp.size() + " (MLP) blocks: expected "
                    + structure.depth() + " of each, one per block of the model");
        }
        for (int b = 0; b < structure.depth(); b++) {
            requireGates("attention", b, attention.get(b), structure.block(b).attentionWidth());
            requireGates("MLP", b, mlp.get(b), structure.block(b).mlpWidth());
        }
    }

    private static void requireGates(String kind, int block, float[] gates, int width) {
        if (gates.length != width) {
            throw new InvalidInputException(kind + " gates of block " + block + " have length " + gates.length + ": expected " + width
                    + " (one per unit)");
        }
        for (int i = 0; i < gates.length; i++) {
            if (!Float.isFinite(gates[i])) {
                throw new InvalidInputException(kind + " gate " + i + " of block " + block + " is " + gates[i] + ": expected a finite number");
            }
        }
    }

    private static NDArray gated(Parameter gate, NDArray mask) {
        return mask == null ? gate.getArray() : mask.mul(gate.getArray());
    }

    private static Parameter gate(String name, float[] values, NDManager manager) {
        Parameter gate = Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build();
        gate.setArray(manager.create(values));
        return gate;
    }

    private static List<float[]> values(List<Parameter> gates) {
        return gates.stream().map(gate -> gate.getArray().toFloatArray()).toList();
    }

    private static float[] filled(int length) {
        float[] ones = new float[length];
        Arrays.fill(ones, 1f);
        return ones;
    }

    private static float[] abs(float[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Math.abs(values[i]);
        }
        return result;
    }

    private static float[] heads(BlockStructure block, float[] channels) {
        int[] offsets = block.headOffsets();
        float[] heads = new float[block.heads()];
        for (int head = 0; head < heads.length; head++) {
            for (int channel = offsets[head]; channel < offsets[head + 1]; channel++) {
                heads[head] += channels[channel];
            }
        }
        return heads;
    }
}
