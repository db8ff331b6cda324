package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.jni.JniUtils;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
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
 * Forward latency of the same models and plans on each {@code runtime}, in one run: {@code libtorch}
 * (vitprune's DJL forward), {@code onnxruntime} (the model exported by {@code OnnxExport}, float32)
 * and {@code onnxruntime-int8} (dynamic int8 weights), so that {@code vitprune bench-report} can set
 * each runtime's latency and realized speed-up against its own unpruned model, and int8 against
 * the unpruned float32 libtorch model. ONNX Runtime's intra-op threads = libtorch's in effect
 * ({@code ai.djl.pytorch.num_threads}, default the cores), recorded as {@code runtimeThreads}.
 *
 * <p>Plans: {@code uniform} removes the same share of every block with heads kept equal-width
 * (head-aligned), {@code global} ranks channels over all blocks and leaves ragged heads: the two
 * plans of the goals, each by a data-free scorer (latency depends on the shapes only; see
 * {@link ForwardBenchmark}). Models: those of {@link BenchModels}.
 *
 * <p>A class of its own rather than a {@code runtime} parameter of {@link ForwardBenchmark}: that
 * sweep's head executions ({@code padded}, {@code padded-projections}) and batch 128 are libtorch's
 * questions and would triple with every runtime, and its report and README quote stay as they are;
 * this one is the runtime comparison alone ({@code scripts/bench.sh --runtimes}).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class RuntimeForwardBenchmark {
    /** A model on a runtime with a batch of random images; subclasses say which model. */
    abstract static class Input {
        NDManager manager;
        RuntimeForward forward;
        Cost.Work work;

        /** Records {@code model}'s cost, then hands it to {@code runtime}. */
        void prepare(VisionTransformer model, int batch, String runtime) {
            VitConfig config = model.config();
            ModelStats stats = ModelStats.of(model);
            int channels = model.structure().blocks().stream().mapToInt(BlockStructure::attentionWidth).sum();
            Cost.Work libtorch = Cost.Work.of((double) stats.macsPerImage() * batch, stats.parameters(), channels);
            NDArray images = manager.randomNormal(new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
            BenchModels.inferenceMode();
            forward = RuntimeForward.open(runtime, model, images);
            work = libtorch.onRuntimeThreads(forward.threads());
            forward.run(); // a runtime that cannot run the model fails here, at set-up, not in the first measured call
        }

        @Setup(Level.Iteration)
        public void noGradients() {
            BenchModels.inferenceMode();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (forward != null) {
                forward.close();
            }
            manager.close();
        }
    }

    @State(Scope.Thread)
    public static class Unpruned extends Input {
        @Param({"reference", "paper"})
        String model;

        @Param({"1", "32"})
        int batch;

        @Param({RuntimeForward.LIBTORCH, RuntimeForward.ONNXRUNTIME, RuntimeForward.ONNXRUNTIME_INT8})
        String runtime;

        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            prepare(BenchModels.load(model, manager), batch, runtime);
        }
    }

    @State(Scope.Thread)
    public static class Pruned extends Input {
        @Param({"reference", "paper"})
        String model;

        @Param({"1", "32"})
        int batch;

        @Param({RuntimeForward.LIBTORCH, RuntimeForward.ONNXRUNTIME, RuntimeForward.ONNXRUNTIME_INT8})
        String runtime;

        @Param({"weight-l1"})
        String strategy;

        /** {@code uniform}: head-aligned; {@code global}: ragged heads. */
        @Param({"uniform", "global"})
        String selector;

        @Param({"0.3", "0.5", "0.7"})
        double ratio;

        @Setup(Level.Trial)
        public void setUp() {
            manager = NDManager.newBaseManager();
            String heads = "uniform".equals(selector) ? "aligned" : "ragged";
            prepare(BenchModels.prune(BenchModels.load(model, manager), strategy, selector, ratio, heads, manager), batch, runtime);
        }
    }

    /**
     * The largest product of the unpruned model ({@link GemmBenchmark#largestProduct}) on a runtime, so that
     * the report can state the unpruned forward's MAC rate as a fraction of that runtime's GEMM rate in the
     * same run. A parameter of its own name: the forward's {@code runtime} values include int8, which has no
     * float GEMM to compare with.
     */
    @State(Scope.Thread)
    public static class Product {
        @Param({"reference", "paper"})
        String model;

        @Param({"1", "32"})
        int batch;

        @Param({RuntimeForward.LIBTORCH, RuntimeForward.ONNXRUNTIME})
        String gemmRuntime;

        NDManager manager;
        Supplier<Float> product;
        AutoCloseable session = () -> { };
        Cost.Work work;

        @Setup(Level.Trial)
        public void setUp() {
            EngineDefaults.apply();
            manager = NDManager.newBaseManager();
            VitConfig config = BenchModels.config(model);
            int[] largest = GemmBenchmark.largestProduct(config);
            int threads = JniUtils.getNumThreads();
            Cost.Work libtorch = Cost.Work.of((double) batch * config.tokens() * largest[0] * largest[1], 0, 0);
            switch (gemmRuntime) {
                case RuntimeForward.LIBTORCH -> {
                    NDArray input = manager.randomNormal(new Shape(batch, config.tokens(), largest[0]));
                    NDArray weight = manager.randomNormal(new Shape(largest[1], largest[0]));
                    product = () -> {
                        try (NDManager scope = manager.newSubManager()) {
                            input.tempAttach(scope);
                            return Linear.linear(input, weight).singletonOrThrow().getFloat(0, 0, 0);
                        }
                    };
                }
                case RuntimeForward.ONNXRUNTIME -> {
                    OnnxMatMul matMul = new OnnxMatMul(batch, config.tokens(), largest[0], largest[1], threads);
                    product = matMul::run;
                    session = matMul;
                }
                default -> throw new InvalidInputException("benchmark parameter gemmRuntime = '" + gemmRuntime + "': expected "
                        + RuntimeForward.LIBTORCH + " or " + RuntimeForward.ONNXRUNTIME);
            }
            work = libtorch.onRuntimeThreads(threads);
            BenchModels.inferenceMode();
        }

        @Setup(Level.Iteration)
        public void noGradients() {
            BenchModels.inferenceMode();
        }

        @TearDown(Level.Trial)
        public void tearDown() throws Exception {
            session.close();
            manager.close();
        }
    }

    @Benchmark
    public float gemm(Product input, Cost cost) {
        cost.record(input.work);
        return input.product.get();
    }

    @Benchmark
    public float unpruned(Unpruned input, Cost cost) {
        cost.record(input.work);
        return input.forward.run();
    }

    @Benchmark
    public float pruned(Pruned input, Cost cost) {
        cost.record(input.work);
        return input.forward.run();
    }
}
