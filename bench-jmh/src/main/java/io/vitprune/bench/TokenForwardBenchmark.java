package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.TokenPruning;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.tokens.TokenStrategies;
import java.nio.file.Path;
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
 * Forward latency of DynamicViT token pruning against the base model, in one run so that ratios
 * are meaningful: {@code rho = 1} is the base model's own forward pass (no scorer), other values
 * the token-pruned model (predictors, top-k, gather) with stages {@code stages}. The model is the
 * reference shape (dim 192, depth 6, 6 x 32 heads, mlp 384, patch 4) with random weights and
 * random predictors: which tokens are kept does not change the cost, only how many. With
 * {@code -p model=DIR} a saved token-pruned model (train-tokens --out) is measured instead, at its
 * own rho (the rho parameter then only picks base (1) or pruned (anything else)).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class TokenForwardBenchmark {
    @Param({"1", "32"})
    int batch;

    @Param({"1", "0.9", "0.8", "0.7", "0.6", "0.5"})
    double rho;

    @Param({"2,4"})
    String stages;

    @Param({"dynamicvit"})
    String scorer;

    /** Empty: random reference-shape weights; else a token-pruned model directory. */
    @Param({""})
    String model;

    private NDManager manager;
    private PrunableModel network;
    private AutoCloseable owner;
    private NDArray images;

    @Setup(Level.Trial)
    public void setUp() {
        EngineDefaults.apply();
        manager = NDManager.newBaseManager();
        StrategyRegistry registry = StrategyRegistry.load();
        if (!model.isEmpty()) {
            TokenPrunedModel loaded = TokenModelStore.load(Path.of(model), registry, manager);
            network = rho == 1 ? loaded.backbone() : loaded;
            owner = loaded;
        } else {
            VisionTransformer base = VisionTransformer.initialize(VitConfig.reference(), 7, manager);
            if (rho == 1) {
                network = base;
                owner = base;
            } else {
                java.util.List<Integer> blocks = java.util.Arrays.stream(stages.split(",")).map(String::trim).map(Integer::valueOf).toList();
                TokenPrunedModel pruned = TokenPrunedModel.compose(base, new TokenPruning(blocks, rho), TokenStrategies.of(scorer, "top-k"),
                        registry, 7);
                network = pruned;
                owner = pruned;
            }
        }
        images = manager.randomNormal(new Shape(batch, 3, 32, 32));
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
