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
import java.util.Collections;
import java.util.Random;
import java.util.function.BiConsumer;

/**
 * libtorch through DJL: a block is timed as one of a stack of as many blocks as the model has, each
 * with its own random weights, on random tokens of the real sequence length, run as a pruned model
 * runs it (heads of several widths {@link TransformerBlock.HeadExecution#AUTO}: padded at batch 1,
 * grouped above), the stack's time divided by its blocks. A block timed alone keeps its weights in
 * the cache from call to call, which a model's blocks do not: on the 2-core machine at batch 1 a
 * full block of the reference model took 0.68 ms alone and 0.78 ms in a stack of 6, a block of one
 * 8-wide head 0.41 and 0.37 ms, so blocks timed alone under-predicted what pruning saves.
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
        return TransformerBlock.HeadExecution.AUTO.padsAt(batch) ? LatencyTable.PADDED : "GROUPED";
    }

    @Override
    public double blockMs(BlockStructure block, int batch, Timing timing) {
        int depth = config.depth();
        try (NDManager manager = NDManager.newBaseManager();
             VisionTransformer model = VisionTransformer.initialize(config, new ModelStructure(config.dim(), Collections.nCopies(depth, block)), seed,
                     manager)) {
            NDArray tokens = random(manager, new Shape(batch, config.tokens(), config.dim()), seed);
            return timing.medianMs(() -> {
                try (NDManager call = model.newScope()) {
                    tokens.tempAttach(call);
                    NDArray x = tokens;
                    for (int b = 0; b < depth; b++) {
                        x = model.block(b, x, null, null);
                    }
                }
            }) / depth;
        }
    }

    @Override
    public double fixedMs(int batch, Timing timing) {
        VitConfig oneBlock = withDepth(config, 1);
        return imagesMs(oneBlock, oneBlock.initialStructure(), batch, timing, (model, images) -> model.classify(model.embed(images)));
    }

    @Override
    public double modelMs(ModelStructure structure, int batch, Timing timing) {
        return imagesMs(config, structure, batch, timing, (model, images) -> model.logits(images).toFloatArray());
    }

    /** The median time of {@code pass} on a model of {@code modelConfig} and {@code structure} with random weights and a batch of random images. */
    private double imagesMs(VitConfig modelConfig, ModelStructure structure, int batch, Timing timing, BiConsumer<VisionTransformer, NDArray> pass) {
        try (NDManager manager = NDManager.newBaseManager();
             VisionTransformer model = VisionTransformer.initialize(modelConfig, structure, seed, manager)) {
            NDArray images = random(manager, new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()), seed);
            return timing.medianMs(() -> {
                try (NDManager call = model.newScope()) {
                    images.tempAttach(call);
                    pass.accept(model, images);
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
