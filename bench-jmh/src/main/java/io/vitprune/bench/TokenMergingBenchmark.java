package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.StrategySettings;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenReducedModel;
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
 * Forward latency of ToMe token merging ({@code tome}, r tokens merged per block) against the
 * model without it, in one run so that ratios are meaningful: {@code r = 0} is the backbone's own
 * forward pass (no reducer), other values the merged model (matching, merge, proportional
 * attention). The backbone is {@code model} (see {@link BenchModels}), unpruned at
 * {@code ratio = 0} or with that fraction of its attention channels pruned by weight-l1 under the
 * global selector (channels + tokens). DeiT-S's shape, where ToMe was published:
 * {@code -p model=deit-small -p r=0,8,13 -p ratio=0}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenMergingBenchmark {
    @Param({BenchModels.REFERENCE})
    String model;

    @Param({"1", "32"})
    int batch;

    @Param({"0", "4", "8", "12"})
    int r;

    @Param({"0", "0.5"})
    double ratio;

    private NDManager manager;
    private PrunableModel network;
    private AutoCloseable owner;
    private NDArray images;

    @Setup(Level.Trial)
    public void setUp() {
        manager = NDManager.newBaseManager();
        VisionTransformer base = BenchModels.load(model, manager);
        VisionTransformer backbone = ratio == 0 ? base : BenchModels.prune(base, "weight-l1", "global", ratio, "ragged", manager);
        if (r == 0) {
            network = backbone;
            owner = backbone;
        } else {
            TokenReducedModel merged = TokenReducedModel.compose(backbone, "tome", StrategySettings.of("r", String.valueOf(r)),
                    StrategyRegistry.load(), 0);
            network = merged;
            owner = merged;
        }
        VitConfig config = backbone.config();
        images = manager.randomNormal(new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
        BenchModels.inferenceMode();
    }

    @Benchmark
    public float forward() {
        try (NDManager scope = network.newScope()) {
            images.tempAttach(scope);
            return network.logits(images).getFloat(0, 0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        owner.close();
        manager.close();
    }
}
