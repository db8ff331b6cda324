package io.vitprune.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.model.Topology;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/** Tiny models and inputs for fast tests, reproducible from a seed. */
public final class TestModels {
    private TestModels() {
    }

    /** 32x32 images, patch 8 (17 tokens), dim 16, depth 2, 4 heads of 4, MLP 24, 10 classes. */
    public static VitConfig tinyConfig() {
        return new VitConfig(32, 8, 16, 2, 4, 4, 24, 10);
    }

    public static VisionTransformer tiny(long seed, NDManager manager) {
        return random(tinyConfig(), tinyConfig().initialStructure(), seed, manager);
    }

    /** {@link #tinyConfig}'s sizes in timm's topology (convolution patches, q/k/v biases, eps 1e-6), with tanh GELU, LayerScale and average pooling: every setting that differs from vit-pytorch's. */
    public static VitConfig tinyTimmConfig() {
        VitConfig tiny = tinyConfig();
        return new VitConfig(tiny.imageSize(), tiny.patchSize(), tiny.dim(), tiny.depth(), tiny.heads(), tiny.dimHead(), tiny.mlpDim(),
                tiny.classes(), new Topology(Topology.PatchEmbedding.CONVOLUTION, true, 1e-6, Topology.Gelu.TANH, true, Topology.Pooling.AVERAGE, false),
                io.vitprune.core.data.Preprocessing.CIFAR10);
    }

    public static VisionTransformer tinyTimm(long seed, NDManager manager) {
        return random(tinyTimmConfig(), tinyTimmConfig().initialStructure(), seed, manager);
    }

    /** {@link #tinyConfig}'s sizes as timm's distilled DeiT: timm's topology with a distillation token and head (18 tokens). */
    public static VitConfig tinyDistilledConfig() {
        VitConfig tiny = tinyConfig();
        return new VitConfig(tiny.imageSize(), tiny.patchSize(), tiny.dim(), tiny.depth(), tiny.heads(), tiny.dimHead(), tiny.mlpDim(),
                tiny.classes(), Topology.timm(1e-6).withDistillationToken(true), io.vitprune.core.data.Preprocessing.CIFAR10);
    }

    public static VisionTransformer tinyDistilled(long seed, NDManager manager) {
        return random(tinyDistilledConfig(), tinyDistilledConfig().initialStructure(), seed, manager);
    }

    /** Saves {@link #tiny} as a model directory and returns it. */
    public static java.nio.file.Path saveTiny(long seed, java.nio.file.Path directory) throws java.io.IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = tiny(seed, manager)) {
            io.vitprune.core.io.ModelStore.save(model, directory);
        }
        return directory;
    }

    /**
     * A model with large random weights (std 0.3, LayerNorm gains near 1, non-zero biases): the
     * training initialisation (std 0.02) gives near-constant logits, which would hide wiring bugs.
     */
    public static VisionTransformer random(VitConfig config, ModelStructure structure, long seed, NDManager manager) {
        Map<String, Shape> shapes;
        Map<String, Parameter.Type> types = new LinkedHashMap<>();
        try (VisionTransformer template = VisionTransformer.initialize(config, structure, seed, manager)) {
            shapes = template.expectedShapes();
            template.namedParameters().forEach((name, parameter) -> types.put(name, parameter.getType()));
        }
        Random random = new Random(seed);
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        shapes.forEach((name, shape) -> {
            float[] values = new float[(int) shape.size()];
            for (int i = 0; i < values.length; i++) {
                float noise = (float) random.nextGaussian();
                values[i] = switch (types.get(name)) {
                    case GAMMA -> 1f + 0.1f * noise;
                    case WEIGHT -> 0.3f * noise;
                    default -> 0.1f * noise;
                };
            }
            arrays.put(name, manager.create(values, shape));
        });
        return VisionTransformer.fromParameters(config, structure, arrays, manager);
    }

    /** Standard-normal images (batch, 3, size, size) for {@code config}, from a Java seed. */
    public static NDArray images(VitConfig config, int batch, long seed, NDManager manager) {
        int size = config.imageSize();
        Random random = new Random(seed);
        float[] values = new float[batch * VitConfig.CHANNELS * size * size];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return manager.create(values, new Shape(batch, VitConfig.CHANNELS, size, size));
    }

    /** Largest absolute difference between two arrays of equal shape. */
    public static float maxAbsDifference(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }
}
