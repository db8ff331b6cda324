package io.vitprune.experiments;

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
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.deploy.ExportOptions;
import io.vitprune.deploy.OnnxExport;
import io.vitprune.deploy.OnnxRuntimeModel;
import io.vitprune.deploy.Quantization;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * What pruning, int8 quantization and both buy where the model is deployed: the bundled model and
 * its pruned versions, each without and with KD fine-tuning, exported to ONNX in float32 and with
 * dynamic int8 weights; per version top-1 on libtorch and on ONNX Runtime (both files), the sizes
 * of the model directory and of the two files, and a quick in-run latency at batch 1 and 32 on the
 * three runtimes. Every finished version is a row of the CSV; pruned and fine-tuned models and
 * their exports stay in {@code --work}, so a rerun recomputes nothing and a version can be re-timed
 * by deleting its row.
 */
@Command(name = "deploy", description = "Top-1, file sizes and quick latency of the model and its pruned (and KD fine-tuned) versions on "
        + "libtorch and ONNX Runtime, float32 and int8 (resumable).")
public final class DeployExperiment implements Callable<Integer> {
    public static final List<String> COLUMNS = List.of("scorer", "selector", "ratio", "epochs", "top1_libtorch", "top1_onnx", "top1_onnx_int8",
            "parameters", "macs_per_image", "bytes_model", "bytes_onnx", "bytes_onnx_int8", "ms_b1_libtorch", "ms_b1_onnx", "ms_b1_onnx_int8",
            "ms_b32_libtorch", "ms_b32_onnx", "ms_b32_onnx_int8");
    static final List<Integer> BATCHES = List.of(1, 32);
    static final String ONNX = "model.onnx";
    static final String ONNX_INT8 = "model-int8.onnx";

    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--scorer", defaultValue = "weight-l1") String scorer;
    @Option(names = "--selector", defaultValue = "global") String selector;
    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.5,0.7") List<Double> ratios;
    @Option(names = "--epochs", defaultValue = "1", description = "KD fine-tuning epochs of the fine-tuned versions.") int epochs;
    @Option(names = "--lr", defaultValue = "2e-4") double learningRate;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: libtorch's, -Dai.djl.pytorch.num_threads, else the cores).")
    Integer threads;
    @Option(names = "--timing-rounds", defaultValue = "15", description = "Alternating rounds of the quick latency (median).") int timingRounds;
    @Option(names = "--train-limit", description = "Fine-tune on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/deploy", description = "Pruned and fine-tuned models, their ONNX files, "
            + "fine-tune checkpoints.") Path work;
    @Option(names = "--out", defaultValue = "target/results/deploy", description = "Writes <out>.csv, <out>.md and <out>.png "
            + "(publishing: --out docs/results/deploy).") Path out;

    private Cifar10 train;

    @Override
    public Integer call() throws Exception {
        int onnxThreads = threads != null ? threads : EngineDefaults.threads();
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        // The training split loads only if a fine-tune is due: its limit stands for it here.
        ResultTable table = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 4, new CellOptions().model("model", model).data("test", test)
                .command(spec, Set.of("--model", "--data", "--scorer", "--selector", "--ratios", "--epochs", "--timing-rounds", "--test-limit",
                        "--work", "--out")).toString());
        DeployReport report = new DeployReport(table, Path.of(out.toString()), test.size(), onnxThreads, timingRounds);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            measure(table, List.of("none", "-", "0.00", 0), model, work.resolve("unpruned"), test, onnxThreads, manager);
            KdFinetune finetune = new KdFinetune(epochs, learningRate, 1.0, 1.0, seed);
            for (double ratio : ratios) {
                String ratioKey = String.format(Locale.ROOT, "%.2f", ratio);
                Path cell = work.resolve(scorer + "-" + selector + "-" + ratioKey);
                Path pruned = cell.resolve("pruned");
                List<Object> prunedKey = List.of(scorer, selector, ratioKey, 0);
                List<Object> tunedKey = List.of(scorer, selector, ratioKey, epochs);
                if (!(table.has(prunedKey.toArray()) && table.has(tunedKey.toArray())) && !Files.exists(pruned.resolve(ModelStore.MANIFEST))) {
                    prune(base, ratio, pruned, manager);
                }
                measure(table, prunedKey, pruned, cell.resolve("onnx-pruned"), test, onnxThreads, manager);
                report.write(spec, ratios, epochs, scorer, selector, model);
                Path tuned = cell.resolve("finetuned");
                if (!table.has(tunedKey.toArray()) && !Files.exists(tuned.resolve(ModelStore.MANIFEST))) {
                    finetune.run(pruned, base, train(), test, cell.resolve("finetune"), tuned, manager);
                }
                measure(table, tunedKey, tuned, cell.resolve("onnx-finetuned"), test, onnxThreads, manager);
                report.write(spec, ratios, epochs, scorer, selector, model);
            }
        }
        report.write(spec, ratios, epochs, scorer, selector, model);
        return 0;
    }

    private Cifar10 train() {
        if (train == null) {
            train = data.load(Cifar10.Split.TRAIN, trainLimit);
        }
        return train;
    }

    private void prune(VisionTransformer base, double ratio, Path pruned, NDManager manager) throws IOException {
        PruningPlan plan = Pruning.plan(base, registry.scorer(scorer).create(StrategySettings.EMPTY), registry.selector(selector).create(StrategySettings.EMPTY),
                new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio), ScoringContext.dataFree(manager));
        try (VisionTransformer smaller = Surgery.apply(base, plan, manager)) {
            ModelStore.save(smaller, pruned);
        }
    }

    /** One version's row: top-1 on each runtime, sizes, latency; skipped when the table has it. */
    private void measure(ResultTable table, List<Object> key, Path directory, Path exports, Cifar10 test, int onnxThreads, NDManager manager)
            throws IOException {
        if (table.has(key.toArray())) {
            System.err.println("done already: " + key);
            return;
        }
        Path fp32 = exports.resolve(ONNX);
        Path int8 = exports.resolve(ONNX_INT8);
        List<Object> row = new ArrayList<>(key);
        try (NDManager scope = manager.newSubManager(); VisionTransformer version = ModelStore.load(directory, scope)) {
            export(version, fp32, Quantization.NONE);
            export(version, int8, Quantization.DYNAMIC_INT8);
            try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(fp32, onnxThreads); OnnxRuntimeModel onnx8 = OnnxRuntimeModel.open(int8, onnxThreads)) {
                row.add(top1(Evaluation.top1(version, test, 250, System.err)));
                row.add(top1(Evaluation.top1(onnx::logits, scope, test, 250, System.err)));
                row.add(top1(Evaluation.top1(onnx8::logits, scope, test, 250, System.err)));
                ModelStats stats = ModelStats.of(version);
                row.addAll(List.of(stats.parameters(), stats.macsPerImage(), Files.size(directory.resolve(ModelStore.MANIFEST))
                        + Files.size(directory.resolve(ModelStore.PARAMETERS)), Files.size(fp32), Files.size(int8)));
                List<String> latency = new ArrayList<>();
                for (int batch : BATCHES) {
                    for (double milliseconds : latency(version, onnx, onnx8, batch, scope)) {
                        latency.add(String.format(Locale.ROOT, "%.3f", milliseconds));
                    }
                }
                row.addAll(latency);
            }
        }
        table.put(row.toArray());
        System.out.println("measured " + key + ": top-1 libtorch / onnx / onnx int8 " + row.subList(4, 7) + ", ms at batch 1 and 32 " + row.subList(12, 18));
    }

    private static void export(VisionTransformer version, Path file, Quantization quantization) throws IOException {
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            OnnxExport.write(version, file, ExportOptions.defaults().withQuantization(quantization));
        }
    }

    /** Median milliseconds of one batch on libtorch, ONNX Runtime and ONNX Runtime int8, the same random images on each. */
    private double[] latency(VisionTransformer version, OnnxRuntimeModel onnx, OnnxRuntimeModel onnx8, int batch, NDManager manager) {
        try (NDManager images = manager.newSubManager()) {
            VitConfig config = version.config();
            NDArray batchImages = images.randomNormal(new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
            float[] pixels = batchImages.toFloatArray();
            Runnable libtorch = () -> RuntimeTiming.forwardPasses(version, batchImages, 1);
            return RuntimeTiming.medianMilliseconds(timingRounds, List.of(libtorch, () -> onnx.logits(pixels, batch), () -> onnx8.logits(pixels, batch)));
        }
    }

    private static String top1(Evaluation.Accuracy accuracy) {
        return String.format(Locale.ROOT, "%.4f", accuracy.top1());
    }
}
