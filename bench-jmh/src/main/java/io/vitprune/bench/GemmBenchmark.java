package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import io.vitprune.core.EngineDefaults;
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
 * The engine's matrix-product speed on the largest product of a model's forward pass, with the
 * same call the model makes ({@code Linear.linear(x, W)}: x of shape (batch, tokens, in), W of
 * shape (out, in)), so that {@code vitprune bench-report} can state a forward pass's MAC rate as a
 * fraction of what the engine's GEMM reaches on that shape in the same run. The largest product is
 * the one with the most weights among qkv (dim -> 3 x heads x dim_head), attention output and the
 * two MLP Linears of the unpruned model: qkv for both bundled configurations. Same {@code model}
 * and {@code batch} parameters, forks, threads and iterations as {@link ForwardBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class GemmBenchmark {
    @State(Scope.Thread)
    public static class Operands {
        @Param({"reference", "paper"})
        String model;

        @Param({"1", "32", "128"})
        int batch;

        NDManager manager;
        NDArray input;
        NDArray weight;
        Cost.Work work;

        @Setup(Level.Trial)
        public void setUp() {
            EngineDefaults.apply();
            VitConfig config = BenchModels.config(model);
            int[] largest = largestProduct(config);
            manager = NDManager.newBaseManager();
            input = manager.randomNormal(new Shape(batch, config.tokens(), largest[0]));
            weight = manager.randomNormal(new Shape(largest[1], largest[0]));
            BenchModels.inferenceMode();
            work = Cost.Work.of((double) batch * config.tokens() * largest[0] * largest[1], 0, 0);
        }

        @Setup(Level.Iteration)
        public void noGradients() {
            BenchModels.inferenceMode();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** {in, out} of the model's Linear with the most weights (unpruned; ties: the first listed). */
    static int[] largestProduct(VitConfig config) {
        int inner = config.heads() * config.dimHead();
        int[][] linears = {{config.dim(), 3 * inner}, {inner, config.dim()}, {config.dim(), config.mlpDim()}, {config.mlpDim(), config.dim()}};
        int[] largest = linears[0];
        for (int[] linear : linears) {
            if ((long) linear[0] * linear[1] > (long) largest[0] * largest[1]) {
                largest = linear;
            }
        }
        return largest;
    }

    @Benchmark
    public float linear(Operands operands, Cost cost) {
        cost.record(operands.work);
        try (NDManager scope = operands.manager.newSubManager()) {
            operands.input.tempAttach(scope);
            return Linear.linear(operands.input, operands.weight).singletonOrThrow().getFloat(0, 0, 0);
        }
    }
}
