package io.vitprune.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.train.AdamW;
import io.vitprune.core.train.Objective;
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
 * One training step (forward, backward, AdamW update) of the reference topology with its 192
 * attention channels split as 6 heads x 32 or 3 heads x 64: the cost side of the reference model's
 * choice of head layout (issue "Reference model").
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Dai.djl.offline=true", "-Dai.djl.pytorch.num_interop_threads=1"})
@Threads(1)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
public class TrainingStepBenchmark {
    /** Heads x dim_head of the attention. */
    @Param({"6x32", "3x64"})
    String heads;

    @Param({"128"})
    int batch;

    private NDManager manager;
    private VisionTransformer model;
    private AdamW optimizer;
    private NDArray images;
    private NDArray labels;

    @Setup(Level.Trial)
    public void setUp() {
        EngineDefaults.apply();
        manager = NDManager.newBaseManager();
        String[] layout = heads.split("x");
        VitConfig reference = VitConfig.reference();
        VitConfig config = new VitConfig(reference.imageSize(), reference.patchSize(), reference.dim(), reference.depth(),
                Integer.parseInt(layout[0]), Integer.parseInt(layout[1]), reference.mlpDim(), reference.classes());
        model = VisionTransformer.initialize(config, 7, manager);
        model.namedParameters().values().forEach(parameter -> parameter.getArray().setRequiresGradient(true));
        optimizer = new AdamW(model.namedParameters(), 0.05, manager);
        images = manager.randomNormal(new Shape(batch, 3, 32, 32));
        labels = manager.randomInteger(0, 10, new Shape(batch), DataType.INT64);
    }

    /**
     * libtorch's gradient mode is thread-local and on by default except on the thread that loaded the
     * engine; the collector restores the mode it found, and AdamW's in-place updates need it off.
     */
    @Setup(Level.Iteration)
    public void gradientModeOff() {
        BenchModels.inferenceMode();
    }

    @Benchmark
    public float step() {
        try (NDManager scope = model.newScope()) {
            images.tempAttach(scope);
            labels.tempAttach(scope);
            NDArray loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                loss = Objective.crossEntropy(0.1).loss(model.logits(images), labels, images);
                collector.backward(loss);
            }
            optimizer.update(1e-4, scope);
            return loss.getFloat();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        optimizer.close();
        model.close();
        manager.close();
    }
}
