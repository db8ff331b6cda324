package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockStructure;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.TransformerBlock;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Forward latency (images to logits, no gradient recording) of a ViT unpruned ({@link #unpruned})
 * and with a fraction of its attention channels physically removed ({@link #pruned}), measured in
 * one run so that {@code vitprune bench-report} can state each pruned model's latency as a ratio to
 * the unpruned one, beside the analytic MAC ratio (recorded per call in {@link Cost}).
 *
 * <p>Parameters: {@code model} ({@code reference}: the bundled model read at run time from
 * {@code models/reference}, see {@link BenchModels}; {@code paper}: the seed paper's configuration,
 * random weights); {@code batch}; and for pruned models {@code strategy} (a data-free scorer),
 * {@code selector} ({@code uniform} or {@code global}), {@code ratio} of attention channels removed,
 * and {@code heads}: {@code aligned} (every head of a block loses the same number of channels, so
 * heads stay equal-width and attention stays one batched product per block) or {@code ragged}
 * (channels go wherever the scores say: heads of different widths, grouped by width); and
 * {@code execution} of ragged heads ({@code grouped} by default; {@code padded} and
 * {@code padded-projections} on request).
 *
 * <p>Latency depends on the shapes a plan leaves, not on which units it removed. The default sweep
 * prunes with {@code weight-l1} only: an aligned uniform plan has the same shapes under every
 * scorer; ragged and global plans differ between scorers only in how the same number of channels is
 * spread over heads and blocks, which weight-l1 on the bundled (trained) model and on random weights
 * already shows both ways. Other data-free scorers are one {@code -p strategy=weight-l1,weight-l2}
 * away; data-driven scorers ({@code kd-importance}, {@code regression-stability}) and trained gates
 * ({@code vtp-l1}) need data and minutes to hours of scoring, and are refused here.
 *
 * <p>Set-up (loading, scoring, surgery) happens once per trial; libtorch's thread-local gradient
 * mode is switched off on the benchmark thread before every iteration. One JMH thread; libtorch
 * intra-op threads = {@code ai.djl.pytorch.num_threads} (default: the number of cores), inter-op 1,
 * both recorded with every result.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ForwardBenchmark {
    /** A model and a batch of random images; subclasses say which model. */
    abstract static class Input {
        NDManager manager;
        VisionTransformer vit;
        NDArray images;
        Cost.Work work;

        void prepare(VisionTransformer prepared, int batch) {
            vit = prepared;
            VitConfig config = vit.config();
            images = manager.randomNormal(new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
            BenchModels.inferenceMode();
            try (NDManager scope = vit.newScope()) {
                images.tempAttach(scope);
                NDArray logits = vit.logits(images);
                BenchModels.requireNoGradient(logits);
                if (!logits.getShape().equals(new Shape(batch, config.classes()))) {
                    throw new IllegalStateException("logits of shape " + logits.getShape() + ": expected (" + batch + ", " + config.classes() + ")");
                }
            }
            ModelStats stats = ModelStats.of(vit);
            int channels = vit.structure().blocks().stream().mapToInt(BlockStructure::attentionWidth).sum();
            work = Cost.Work.of((double) stats.macsPerImage() * batch, stats.parameters(), channels);
        }

        @Setup(Level.Iteration)
        public void noGradients() {
            BenchModels.inferenceMode();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (vit != null) {
                vit.close();
            }
            manager.close();
        }
    }

    @State(Scope.Thread)
    public static class Unpruned extends Input {
        @Param({"reference", "paper"})
        String model;

        @Param({"1", "32", "128"})
        int batch;

        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            prepare(BenchModels.load(model, manager), batch);
        }
    }

    @State(Scope.Thread)
    public static class Pruned extends Input {
        @Param({"reference", "paper"})
        String model;

        @Param({"1", "32", "128"})
        int batch;

        @Param({"weight-l1"})
        String strategy;

        @Param({"uniform", "global"})
        String selector;

        @Param({"0.3", "0.5", "0.7"})
        double ratio;

        @Param({"aligned", "ragged"})
        String heads;

        /**
         * How heads of several widths run: {@code grouped} (one batched product per width) or
         * {@code padded} (heads zero-padded to the block's widest inside the attention core, one
         * product for all; exact: {@link TransformerBlock.HeadExecution}), both vitprune's; or
         * {@code padded-projections} (every head padded in the weights too, so the projections do
         * the padded arithmetic as well; random weights, latency only). The MACs recorded are the
         * plan's in every case, so the report compares executions of the same plan.
         */
        @Param({"grouped"})
        String execution;

        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            VisionTransformer pruned = BenchModels.prune(BenchModels.load(model, manager), strategy, selector, ratio, heads, manager);
            switch (execution) {
                case "grouped" -> prepare(pruned.setHeadExecution(TransformerBlock.HeadExecution.GROUPED), batch);
                case "padded" -> prepare(pruned.setHeadExecution(TransformerBlock.HeadExecution.PADDED), batch);
                case "padded-projections" -> {
                    ModelStats planStats = ModelStats.of(pruned);
                    int planChannels = pruned.structure().blocks().stream().mapToInt(BlockStructure::attentionWidth).sum();
                    VisionTransformer padded = BenchModels.padHeads(pruned, manager);
                    pruned.close();
                    prepare(padded, batch);
                    work = Cost.Work.of((double) planStats.macsPerImage() * batch, planStats.parameters(), planChannels);
                }
                default -> throw new io.vitprune.api.InvalidInputException("benchmark parameter execution = '" + execution
                        + "': expected grouped, padded or padded-projections");
            }
        }
    }

    @Benchmark
    public float unpruned(Unpruned input, Cost cost) {
        cost.record(input.work);
        return forward(input.vit, input.images);
    }

    @Benchmark
    public float pruned(Pruned input, Cost cost) {
        cost.record(input.work);
        return forward(input.vit, input.images);
    }

    /** One forward pass; every intermediate array is freed with the scope, the images return to their manager. */
    static float forward(VisionTransformer model, NDArray images) {
        try (NDManager scope = model.newScope()) {
            images.tempAttach(scope);
            return model.logits(images).getFloat(0, 0);
        }
    }
}
