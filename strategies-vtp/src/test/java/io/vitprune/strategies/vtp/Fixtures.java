package io.vitprune.strategies.vtp;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/** Shared test inputs: a slice of the bundled CIFAR-10 sample, gated copies, weights as plain arrays. */
final class Fixtures {
    static final Cifar10 SAMPLE = Cifar10.read(Path.of("../data/cifar10-test-sample-1000.bin"));

    private Fixtures() {
    }

    /** Gate values for every block of a model. */
    record Gates(List<float[]> attention, List<float[]> mlp) { }

    /** Standard-normal gates (negative ones too: training can push a gate past 0). */
    static Gates gaussianGates(ModelStructure structure, long seed) {
        Random random = new Random(seed);
        List<float[]> attention = new ArrayList<>();
        List<float[]> mlp = new ArrayList<>();
        for (BlockStructure block : structure.blocks()) {
            attention.add(gaussian(block.attentionWidth(), random));
            mlp.add(gaussian(block.mlpWidth(), random));
        }
        return new Gates(attention, mlp);
    }

    /** A copy of {@code network} with {@link #gaussianGates}. */
    static GatedModel randomlyGated(VisionTransformer network, long seed, NDManager manager) {
        Gates gates = gaussianGates(network.structure(), seed);
        return GatedModel.of(copy(network, manager), gates.attention(), gates.mlp(), 0);
    }

    static VisionTransformer copy(VisionTransformer network, NDManager manager) {
        return Surgery.apply(network, PruningPlan.keepAll(network.structure()), manager);
    }

    static Map<String, float[]> weights(VisionTransformer network) {
        Map<String, float[]> values = new TreeMap<>();
        network.namedParameters().forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
        return values;
    }

    static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }

    private static float[] gaussian(int length, Random random) {
        float[] values = new float[length];
        for (int i = 0; i < length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }
}
