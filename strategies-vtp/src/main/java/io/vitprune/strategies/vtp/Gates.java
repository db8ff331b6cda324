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
import io.vitprune.api.Regularizer;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * VTP's gates as a {@link Regularizer} (methods.md section 4.4): one gate per attention inner
 * channel of every block (the attention mask) and one per MLP hidden unit (the MLP mask), with the
 * penalty {@code lambda * sum |g|} (autograd of |g| is the sub-gradient {@code lambda * sign(g)}).
 * The gates are vectors, which the optimizer does not decay. Written against the api alone, so
 * that any host's training can train them.
 */
final class Gates implements Regularizer {
    private final double lambda;
    private final List<Parameter> attention = new ArrayList<>();
    private final List<Parameter> mlp = new ArrayList<>();

    /** Given gates, one array per block of each kind (copied), in {@code manager}. */
    Gates(ModelStructure structure, List<float[]> attentionGates, List<float[]> mlpGates, double lambda, NDManager manager) {
        requireMatches(structure, attentionGates, mlpGates);
        if (!(lambda >= 0 && Double.isFinite(lambda))) {
            throw new InvalidInputException("VTP lambda " + lambda + ": expected a finite number >= 0");
        }
        this.lambda = lambda;
        for (int b = 0; b < attentionGates.size(); b++) {
            attention.add(gate(String.format("gate.attention.block%02d", b), attentionGates.get(b), manager));
            mlp.add(gate(String.format("gate.mlp.block%02d", b), mlpGates.get(b), manager));
        }
    }

    /** Gates of 1: the network unchanged. */
    static Gates ones(ModelStructure structure, double lambda, NDManager manager) {
        List<float[]> attention = new ArrayList<>();
        List<float[]> mlp = new ArrayList<>();
        for (BlockStructure block : structure.blocks()) {
            attention.add(filled(block.attentionWidth()));
            mlp.add(filled(block.mlpWidth()));
        }
        return new Gates(structure, attention, mlp, lambda, manager);
    }

    double lambda() {
        return lambda;
    }

    /** Current attention gates, one array (inner width) per block. */
    List<float[]> attentionValues() {
        return values(attention);
    }

    /** Current MLP gates, one array (hidden width) per block. */
    List<float[]> mlpValues() {
        return values(mlp);
    }

    /** VTP's importance: |g| per channel or MLP unit; a head scores the sum of its channels' |g|. */
    UnitScores scores(ModelStructure structure, UnitKind kind) {
        List<float[]> perBlock = new ArrayList<>();
        List<float[]> attentionGates = attentionValues();
        List<float[]> mlpGates = mlpValues();
        for (int b = 0; b < structure.depth(); b++) {
            perBlock.add(switch (kind) {
                case ATTENTION_CHANNEL -> abs(attentionGates.get(b));
                case ATTENTION_HEAD -> heads(structure.block(b), abs(attentionGates.get(b)));
                case MLP_UNIT -> abs(mlpGates.get(b));
                case TOKEN -> throw new InvalidInputException("VTP gates score attention channels, heads and MLP units: not " + kind.id());
            });
        }
        return new UnitScores(kind, perBlock);
    }

    /** Sum of |g| over every gate of every block. */
    NDArray l1() {
        NDList all = new NDList();
        attention.forEach(gate -> all.add(gate.getArray()));
        mlp.forEach(gate -> all.add(gate.getArray()));
        return NDArrays.concat(all).abs().sum();
    }

    /** Block by block, attention then MLP, under their names. */
    @Override
    public Map<String, Parameter> parameters() {
        Map<String, Parameter> gates = new LinkedHashMap<>();
        for (int b = 0; b < attention.size(); b++) {
            gates.put(attention.get(b).getName(), attention.get(b));
            gates.put(mlp.get(b).getName(), mlp.get(b));
        }
        return gates;
    }

    @Override
    public NDArray mask(int block, UnitKind kind) {
        return switch (kind) {
            case ATTENTION_CHANNEL -> attention.get(block).getArray();
            case MLP_UNIT -> mlp.get(block).getArray();
            case ATTENTION_HEAD, TOKEN -> null;
        };
    }

    @Override
    public NDArray penalty(NDManager step) {
        return l1().mul(step.create((float) lambda));
    }

    @Override
    public String recipe() {
        return "vtp-l1 lambda=" + lambda;
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

    private static Parameter gate(String name, float[] values, NDManager manager) {
        Parameter gate = Parameter.builder().setName(name).setType(Parameter.Type.OTHER).build();
        gate.setArray(manager.create(values));
        return gate;
    }

    private static List<float[]> values(List<Parameter> gates) {
        return gates.stream().map(gate -> gate.getArray().toFloatArray()).toList();
    }

    private static float[] filled(int width) {
        float[] ones = new float[width];
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
