package io.vitprune.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.reliability.Spearman;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import io.vitprune.strategies.distill.LossEstimate;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;

/**
 * The exact ablation (and the Fisher estimate) of a model's units on the GPU against the CPU: the
 * same model, scoring images and engine on both devices, timed, with the largest difference of any
 * unit's losses and the rank correlation of the criteria. Exits 1 when the GPU's scores differ
 * beyond float rounding (Spearman below {@value #MIN_SPEARMAN}), 2 when DJL sees no GPU.
 *
 * <pre>
 * java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.DeviceScoringCheck [model [images [kind [cifar10-dir]]]]
 * </pre>
 * Defaults: models/reference, 100 images of the training split (seed 0), attention-channel,
 * ../shared/datasets/cifar10. Run by {@code scripts/gpu-check.sh}.
 */
public final class DeviceScoringCheck {
    static final double MIN_SPEARMAN = 0.999;
    private static final int BATCH = 50;

    private DeviceScoringCheck() {
    }

    /** One device's losses and the seconds they took. */
    private record Measured(AblationLosses losses, double seconds) { }

    public static void main(String[] args) throws Exception {
        EngineDefaults.apply();
        Path model = Path.of(args.length > 0 ? args[0] : "models/reference");
        int images = args.length > 1 ? Integer.parseInt(args[1]) : 100;
        UnitKind kind = UnitKind.fromId(args.length > 2 ? args[2] : "attention-channel");
        Path data = Path.of(args.length > 3 ? args[3] : "../shared/datasets/cifar10");
        Engine engine = Engine.getInstance();
        if (engine.getGpuCount() == 0) {
            System.err.printf("no GPU visible to DJL's %s engine %s: build with a CUDA native library (mvn -Pcuda ...) on a machine with a GPU%n",
                    engine.getEngineName(), engine.getVersion());
            System.exit(2);
        }
        Cifar10 sample = Cifar10.load(data, Cifar10.Split.TRAIN).randomSample(images, 0);
        System.out.printf("%s %s, %d GPU(s); %s: %s losses on %d training images (seed 0)%n", engine.getEngineName(), engine.getVersion(),
                engine.getGpuCount(), model, kind.id(), images);
        boolean agree = true;
        for (LossEstimate estimate : List.of(LossEstimate.EXACT, LossEstimate.FISHER)) {
            Measured gpu = measure(model, Device.gpu(), estimate, kind, sample);
            Measured cpu = measure(model, Device.cpu(), estimate, kind, sample);
            double kl = Spearman.correlation(flat(cpu.losses().klImportance()), flat(gpu.losses().klImportance()));
            double kd = Spearman.correlation(flat(cpu.losses().kdImportance(10, CeTarget.LABELS)),
                    flat(gpu.losses().kdImportance(10, CeTarget.LABELS)));
            System.out.printf(Locale.ROOT, "%-6s gpu %8.2f s, cpu %8.2f s (cpu / gpu %.1fx); largest |gpu - cpu|: L_CE %.3g, L_KL %.3g; "
                            + "Spearman gpu vs cpu: kl-importance %.6f, kd-importance (alpha 10) %.6f%n", estimate.id(), gpu.seconds(), cpu.seconds(),
                    cpu.seconds() / gpu.seconds(), largestDifference(cpu.losses().crossEntropy(), gpu.losses().crossEntropy()),
                    largestDifference(cpu.losses().kl(), gpu.losses().kl()), kl, kd);
            agree &= kl >= MIN_SPEARMAN && kd >= MIN_SPEARMAN;
        }
        System.out.println(agree ? "GPU scores agree with the CPU's" : "GPU scores DIFFER from the CPU's beyond float rounding");
        System.exit(agree ? 0 : 1);
    }

    private static Measured measure(Path model, Device device, LossEstimate estimate, UnitKind kind, Cifar10 sample) throws Exception {
        try (NDManager manager = NDManager.newBaseManager(device); VisionTransformer vit = ModelStore.load(model, manager)) {
            long start = System.nanoTime();
            AblationLosses losses = AblationEngine.defaults().withEstimate(estimate).measure(vit, kind, new Cifar10ScoringData(sample), BATCH,
                    ProgressListener.NONE);
            return new Measured(losses, (System.nanoTime() - start) / 1e9);
        }
    }

    private static double[] flat(UnitScores scores) {
        return IntStream.range(0, scores.blocks()).mapToObj(scores::block)
                .flatMapToDouble(block -> IntStream.range(0, block.length).mapToDouble(i -> block[i])).toArray();
    }

    private static double largestDifference(List<double[]> first, List<double[]> second) {
        double largest = 0;
        for (int b = 0; b < first.size(); b++) {
            for (int u = 0; u < first.get(b).length; u++) {
                largest = Math.max(largest, Math.abs(first.get(b)[u] - second.get(b)[u]));
            }
        }
        return largest;
    }
}
