package io.vitprune.deploy;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.latency.LatencyTimer;
import io.vitprune.core.latency.LibtorchTimer;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * ONNX Runtime: a block cannot run alone in an exported graph, so each point is a whole model
 * (embedding, blocks, classifier) exported as {@code vitprune export} writes it (heads grouped by
 * width) with random weights and run by {@link OnnxRuntimeModel}. A block costs a one-block model
 * less the fixed parts; the fixed parts are the full one-block model less one block's share of the
 * difference between the unpruned model and it (a difference over all blocks, so that timing noise
 * is divided rather than doubled). Exported files live in a temporary directory until {@link #close}.
 */
public final class OnnxRuntimeTimer implements LatencyTimer {
    public static final String RUNTIME = "onnxruntime";

    private final VitConfig config;
    private final int threads;
    private final long seed;
    private final Path directory;
    private final Map<List<BlockStructure>, Path> exported = new HashMap<>();
    private final Map<Integer, Double> fixedByBatch = new HashMap<>();

    public OnnxRuntimeTimer(VitConfig config, int threads, long seed) {
        this.config = config;
        this.threads = threads;
        this.seed = seed;
        try {
            this.directory = Files.createTempDirectory("vitprune-calibrate");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make a temporary directory for the exported models: " + AtomicFiles.describe(e), e);
        }
    }

    @Override
    public String runtime() {
        return RUNTIME;
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public String execution(int batch) {
        return HeadLayout.GROUPED.name();
    }

    @Override
    public double blockMs(BlockStructure block, int batch, Timing timing) {
        return Math.max(0, modelMs(List.of(block), batch, timing) - fixedMs(batch, timing));
    }

    @Override
    public double fixedMs(int batch, Timing timing) {
        int depth = config.depth();
        if (depth == 1) {
            return 0; // the one block's time carries the fixed parts, and a prediction adds both
        }
        return fixedByBatch.computeIfAbsent(batch, b -> {
            BlockStructure full = config.initialStructure().block(0);
            double one = modelMs(List.of(full), b, timing);
            double perBlock = (modelMs(Collections.nCopies(depth, full), b, timing) - one) / (depth - 1);
            return Math.max(0, one - perBlock);
        });
    }

    @Override
    public double modelMs(ModelStructure structure, int batch, Timing timing) {
        return modelMs(structure.blocks(), batch, timing);
    }

    private double modelMs(List<BlockStructure> blocks, int batch, Timing timing) {
        float[] pixels = LibtorchTimer.random((long) batch * VitConfig.CHANNELS * config.imageSize() * config.imageSize(), seed);
        try (OnnxRuntimeModel model = OnnxRuntimeModel.open(exported(blocks), threads)) {
            return timing.medianMs(() -> model.logits(pixels, batch));
        }
    }

    private Path exported(List<BlockStructure> blocks) {
        return exported.computeIfAbsent(blocks, key -> {
            Path file = directory.resolve("model-" + exported.size() + ".onnx");
            try (NDManager manager = NDManager.newBaseManager();
                 VisionTransformer model = VisionTransformer.initialize(LibtorchTimer.withDepth(config, key.size()),
                         new ModelStructure(config.dim(), key), seed, manager)) {
                OnnxExport.write(model, file, ExportOptions.defaults().withHeadLayout(HeadLayout.GROUPED));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return file;
        });
    }

    @Override
    public void close() {
        try {
            AtomicFiles.deleteRecursively(directory);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + directory + ": " + AtomicFiles.describe(e), e);
        }
    }
}
