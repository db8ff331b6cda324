package io.vitprune.core.latency;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.model.TransformerBlock;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.util.List;
import java.util.Random;

/**
 * libtorch through DJL: one block of a one-block model with random weights, on random tokens of the
 * real sequence length, run as a pruned model runs it (heads of several widths
 * {@link TransformerBlock.HeadExecution#AUTO}: padded at batch 1, grouped above).
 */
public final class LibtorchTimer implements LatencyTimer {
    private final VitConfig config;
    private final long seed;

    public LibtorchTimer(VitConfig config, long seed) {
        this.config = config;
        this.seed = seed;
    }

    @Override
    public String runtime() {
        return LatencyTable.LIBTORCH;
    }

    @Override
    public int threads() {
        return EngineDefaults.threads();
    }

    @Override
    public String execution(int batch) {
        return TransformerBlock.HeadExecution.AUTO.padsAt(batch) ? "PADDED" : "GROUPED";
    }

    @Override
    public double blockMs(BlockStructure block, int batch, Timing timing) {
        try (NDManager manager = NDManager.newBaseManager();
             VisionTransformer model = VisionTransformer.initialize(withDepth(config, 1), new ModelStructure(config.dim(), List.of(block)), seed,
                     manager)) {
            NDArray tokens = random(manager, new Shape(batch, config.tokens(), config.dim()), seed);
            return timing.medianMs(() -> {
                try (NDManager call = model.newScope()) {
                    tokens.tempAttach(call);
                    model.block(0, tokens, null, null);
                }
            });
        }
    }

    @Override
    public double fixedMs(int batch, Timing timing) {
        try (NDManager manager = NDManager.newBaseManager();
             VisionTransformer model = VisionTransformer.initialize(withDepth(config, 1), seed, manager)) {
            NDArray images = random(manager, new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()), seed);
            return timing.medianMs(() -> {
                try (NDManager call = model.newScope()) {
                    images.tempAttach(call);
                    model.classify(model.embed(images));
                }
            });
        }
    }

    @Override
    public double modelMs(int batch, Timing timing) {
        try (NDManager manager = NDManager.newBaseManager();
             VisionTransformer model = VisionTransformer.initialize(config, seed, manager)) {
            NDArray images = random(manager, new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()), seed);
            return timing.medianMs(() -> {
                try (NDManager call = model.newScope()) {
                    images.tempAttach(call);
                    model.logits(images).toFloatArray();
                }
            });
        }
    }

    @Override
    public void close() {
        // Every model and array lives only as long as its own timing.
    }

    /** {@code config} with {@code depth} blocks. */
    public static VitConfig withDepth(VitConfig config, int depth) {
        return new VitConfig(config.imageSize(), config.patchSize(), config.dim(), depth, config.heads(), config.dimHead(), config.mlpDim(),
                config.classes(), config.topology(), config.preprocessing());
    }

    /** Standard normal values of {@code shape}, reproducible from {@code seed}. */
    public static float[] random(long size, long seed) {
        Random random = new Random(seed);
        float[] values = new float[Math.toIntExact(size)];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return values;
    }

    private static NDArray random(NDManager manager, Shape shape, long seed) {
        return manager.create(random(shape.size(), seed), shape);
    }
}
