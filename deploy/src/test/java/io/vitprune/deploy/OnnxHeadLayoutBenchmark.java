package io.vitprune.deploy;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * ONNX Runtime latency of one forward pass of a ragged model (global selection of 50% of the
 * attention channels by weight L1 of each channel's q, k and v rows, so head widths differ within a
 * block) exported in each {@link HeadLayout}, and with int8 weights. {@code model}: {@code reference}
 * (models/reference, run from the repository root) or {@code paper} (random weights, seed 7).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class OnnxHeadLayoutBenchmark {
    @Param({"reference", "paper"})
    public String model;
    @Param({"1", "32"})
    public int batch;
    @Param({"GROUPED", "PADDED", "PER_HEAD"})
    public HeadLayout layout;
    @Param({"NONE"})
    public Quantization quantization;
    @Param({"0.5"})
    public double ratio;
    @Param({"2"})
    public int threads;

    private OnnxRuntimeModel onnx;
    private float[] pixels;

    @Setup(Level.Trial)
    public void export() throws IOException {
        Path file = Files.createTempFile("vitprune-bench", ".onnx");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = load(manager);
                VisionTransformer pruned = Surgery.apply(base, raggedPlan(base), manager)) {
            OnnxExport.write(pruned, file, new ExportOptions(layout, quantization));
            System.out.println("\nstructure: " + pruned.structure().blocks().stream().map(b -> b.headWidths().toString()).toList());
        }
        onnx = OnnxRuntimeModel.open(file, threads);
        Files.delete(file);
        VitConfig config = VitConfig.paper();
        Random random = new Random(1);
        pixels = new float[batch * VitConfig.CHANNELS * config.imageSize() * config.imageSize()];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (float) random.nextGaussian();
        }
    }

    @Benchmark
    public float[][] forward() {
        return onnx.logits(pixels, batch);
    }

    @TearDown(Level.Trial)
    public void close() {
        onnx.close();
    }

    private VisionTransformer load(NDManager manager) {
        return "paper".equals(model) ? VisionTransformer.initialize(VitConfig.paper(), 7, manager)
                : ModelStore.load(Path.of(System.getProperty("vitprune.bench.reference", "models/reference")), manager);
    }

    /** Core's global selector over weight-L1 channel scores, heads not aligned. */
    private PruningPlan raggedPlan(VisionTransformer base) {
        ModelStructure structure = base.structure();
        List<float[]> scores = new ArrayList<>();
        for (int b = 0; b < structure.depth(); b++) {
            int inner = structure.block(b).attentionWidth();
            float[] qkv = base.weight(b, ModelPart.QKV_WEIGHT).toFloatArray();
            int dim = structure.dim();
            float[] block = new float[inner];
            for (int row = 0; row < 3 * inner; row++) {
                for (int c = 0; c < dim; c++) {
                    block[row % inner] += Math.abs(qkv[row * dim + c]);
                }
            }
            scores.add(block);
        }
        return StrategyRegistry.load().selector("global").create(StrategySettings.of("head-aligned", "false"))
                .select(new UnitScores(UnitKind.ATTENTION_CHANNEL, scores), structure, new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio));
    }
}
