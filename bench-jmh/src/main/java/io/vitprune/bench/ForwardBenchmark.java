package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.Pruning;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
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
 * Forward latency of the paper-size ViT (dim 512, depth 6, 8 x 64 heads, mlp 512; latency does not
 * depend on the weights, so they are random) unpruned and pruned with weight-l1 at several ratios,
 * uniform and global, measured in one run so that ratios are meaningful. Issue "bench-jmh" extends it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ForwardBenchmark {
    @Param({"1", "32"})
    int batch;

    @Param({"0", "0.3", "0.5", "0.7"})
    double ratio;

    @Param({"uniform", "global"})
    String selector;

    private NDManager manager;
    private VisionTransformer model;
    private NDArray images;

    @Setup(Level.Trial)
    public void setUp() {
        EngineDefaults.apply();
        manager = NDManager.newBaseManager();
        VisionTransformer base = VisionTransformer.initialize(VitConfig.paper(), 7, manager);
        if (ratio == 0) {
            model = base;
        } else {
            StrategyRegistry registry = StrategyRegistry.load();
            PruningPlan plan = Pruning.plan(base, registry.scorer("weight-l1").create(StrategySettings.EMPTY),
                    registry.selector(selector).create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio),
                    ScoringContext.dataFree(manager));
            model = Surgery.apply(base, plan, manager);
            base.close();
        }
        images = manager.randomNormal(new Shape(batch, 3, 32, 32));
    }

    @Benchmark
    public float forward() {
        try (NDManager scope = model.newScope()) {
            images.tempAttach(scope);
            return model.logits(images).getFloat(0, 0);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        manager.close();
    }
}
