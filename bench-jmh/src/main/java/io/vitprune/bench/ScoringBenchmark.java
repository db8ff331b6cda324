package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import java.util.Optional;
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
 * Time of one {@code kd-importance} scoring of every unit of a kind of the reference-size ViT (dim
 * 192, depth 6, 6 x 32 heads, MLP 384; random weights, since the time does not depend on them) on
 * {@code images} random labelled images, 50 at a time. The ablation engine's cost grows as units x
 * images (see {@code AblationEngine}): every unit, channel or MLP unit alike, costs forward passes of
 * the blocks after its own, so the 2,304 MLP units should take twice as long as the 1,152 attention
 * channels, and 100 images twice as long as 50. {@code vitprune bench-report} turns the results into
 * those ratios, deriving the unit count from {@code kind} and {@link VitConfig#reference()} (JMH
 * records no counts in SingleShotTime mode): keep the model here the reference one.
 *
 * <p>One single shot per configuration: each call is about a minute or more of compute-bound
 * arithmetic on 2 cores (docs/scoring-benchmark.md), so run-to-run noise and the first call's class
 * loading, which the shot includes, are small against it; more iterations would only multiply a run
 * that already takes about 9 minutes (1 + 2 + 2 + 4 units of the first shot's time if the cost is
 * linear). Run: {@code scripts/bench.sh --scoring}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 0)
@Measurement(iterations = 1)
public class ScoringBenchmark {
    private static final int BATCH = 50;

    @Param({"attention-channel", "mlp-unit"})
    String kind;

    @Param({"50", "100"})
    int images;

    private NDManager manager;
    private VisionTransformer model;
    private Scorer scorer;
    private ScoringContext context;

    @Setup(Level.Trial)
    public void setUp() {
        EngineDefaults.apply();
        manager = NDManager.newBaseManager();
        VitConfig config = VitConfig.reference();
        model = VisionTransformer.initialize(config, 7, manager);
        scorer = StrategyRegistry.load().scorer("kd-importance").create(StrategySettings.EMPTY);
        NDArray pixels = manager.randomNormal(new Shape(images, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
        NDArray labels = manager.randomInteger(0, config.classes(), new Shape(images), DataType.INT64);
        context = new ScoringContext(Optional.of(new InMemory(pixels, labels)), manager, 0, BATCH, ProgressListener.NONE);
    }

    @Benchmark
    public float scoreUnits() {
        return scorer.score(model, UnitKind.fromId(kind), context).block(0)[0];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        model.close();
        manager.close();
    }

    /** Labelled images held in memory; each batch is a copy in the caller's manager. */
    private record InMemory(NDArray pixels, NDArray labels) implements ScoringData {
        @Override
        public int size() {
            return (int) labels.getShape().get(0);
        }

        @Override
        public NDList batch(NDManager manager, int from, int to) {
            NDList batch = new NDList(pixels.get("{}:{}", from, to), labels.get("{}:{}", from, to));
            batch.attach(manager);
            return batch;
        }
    }
}
