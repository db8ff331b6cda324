package io.vitprune.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.Selector;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Machine;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.strategies.distill.CeTarget;
import io.vitprune.strategies.stability.Scope;
import io.vitprune.strategies.stability.StabilityScores;
import io.vitprune.strategies.vtp.GatedModel;
import io.vitprune.strategies.vtp.VtpGates;
import io.vitprune.strategies.vtp.VtpPruning;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * VTP against weight-l1 and regression stability (issue "VTP L1 gates"): gates are trained once on
 * the training split (resumable), then each method removes 30-70% of the attention channels or of
 * the MLP units under global selection, and every pruned model gets the same KD fine-tuning budget.
 * VTP prunes the gate-trained network with its gates folded in; the others prune the reference.
 */
@Command(name = "vtp", description = "VTP L1 gates vs weight-l1 vs regression-stability, each followed by KD fine-tuning (resumable).")
public final class VtpExperiment implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    public static final List<String> COLUMNS = List.of("method", "kind", "ratio", "top1_pruned", "top1_finetuned", "parameters", "macs_per_image",
            "latency_ratio");

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--methods", split = ",", defaultValue = "vtp-l1,weight-l1,regression-stability:ce-target=labels") List<String> methods;
    @Option(names = "--kinds", split = ",", defaultValue = "attention-channel,mlp-unit") List<String> kinds;
    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.5,0.7") List<Double> ratios;
    @Option(names = "--lambda", defaultValue = "1e-4", description = "L1 weight on the gates.") double lambda;
    @Option(names = "--gate-epochs", defaultValue = "3") int gateEpochs;
    @Mixin
    GateRates gateRates;
    @Option(names = "--finetune-epochs", defaultValue = "1") int finetuneEpochs;
    @Option(names = "--finetune-lr", defaultValue = "2e-4", description = "Fine-tuning learning rate.") double learningRate;
    @Option(names = "--scoring-images", defaultValue = "1000", description = "Scoring set of regression-stability.") int scoringImages;
    @Option(names = "--scoring-seed", defaultValue = "0", description = "Seed of the scoring-set draw (0 shares paper-table's first "
            + "measurement).") long scoringSeed;
    @Option(names = "--ablations", defaultValue = AblationCache.DEFAULT_DIRECTORY, description = "Ablation losses, shared with other experiments.")
    Path ablationDirectory;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--train-limit", description = "Train on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/vtp") Path work;
    @Option(names = "--out", defaultValue = "target/results/vtp", description = "Writes <out>.csv, <out>.md and <out>-gates.png.") Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work).input("--ablations", ablationDirectory)
                .files("--out", out, ".csv", ".md", ".png", "-gates.png").verify();
        kinds.forEach(kind -> ratios.forEach(ratio -> new PruningTarget(UnitKind.fromId(kind), ratio))); // before any training
        Cifar10 train = data.load(Cifar10.Split.TRAIN, trainLimit);
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        ResultTable table = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 3, new CellOptions().model("model", model).data("train", train)
                .data("test", test).command(spec, Set.of("--model", "--data", "--methods", "--kinds", "--ratios", "--train-limit", "--test-limit",
                        "--work", "--ablations", "--out")).toString());
        Selector global = registry.selector("global").create(StrategySettings.EMPTY);
        KdFinetune finetune = new KdFinetune(finetuneEpochs, learningRate, 1.0, 1.0, seed);
        String gateSummary;
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager);
                GatedModel gated = new VtpGates(gateRates.settings(gateEpochs, lambda, seed), train, work.resolve("gates"),
                        System.out).train(base, manager)) {
            gateSummary = plotGates(gated);
            if (!table.has("none", "-", "0.00")) {
                ModelStats stats = ModelStats.of(base);
                double top1 = Evaluation.top1(base, test, 250, System.err).top1();
                table.put("none", "-", "0.00", format(top1), format(top1), stats.parameters(), stats.macsPerImage(), "1.000");
            }
            if (!table.has("vtp-gated", "-", "0.00")) {
                double top1 = Evaluation.top1(gated, test, 250, System.err).top1();
                table.put("vtp-gated", "-", "0.00", format(top1), format(top1), ModelStats.of(base).parameters(), ModelStats.of(base).macsPerImage(),
                        "-");
            }
            for (String kindId : kinds) {
                UnitKind kind = UnitKind.fromId(kindId);
                for (String method : methods) {
                    for (double ratio : ratios) {
                        String ratioKey = String.format("%.2f", ratio);
                        if (table.has(method, kind.id(), ratioKey)) {
                            continue;
                        }
                        Path cell = work.resolve(method + "-" + kind.id() + "-" + ratioKey);
                        Path pruned = cell.resolve("pruned");
                        PruningTarget target = new PruningTarget(kind, ratio);
                        if (!Files.exists(pruned.resolve(ModelStore.MANIFEST))) {
                            try (VisionTransformer smaller = prune(method, target, base, gated, global, train, registry, manager)) {
                                ModelStore.save(smaller, pruned);
                            }
                        }
                        double latencyRatio;
                        try (VisionTransformer smaller = ModelStore.load(pruned, manager)) {
                            latencyRatio = latencyRatio(smaller, base, manager);
                        }
                        KdFinetune.Result result = finetune.run(pruned, base, train, test, cell.resolve("finetune"), manager);
                        table.put(method, kind.id(), ratioKey, format(result.before()), format(result.after()), result.stats().parameters(),
                                result.stats().macsPerImage(), String.format("%.3f", latencyRatio));
                        System.out.printf("%s %s %s: top-1 %.2f%% -> %.2f%% after fine-tuning%n", method, kind.id(), ratioKey,
                                100 * result.before(), 100 * result.after());
                        writeReport(table, gateSummary, train.size(), test.size());
                    }
                }
            }
        }
        writeReport(table, gateSummary, train.size(), test.size());
        return 0;
    }

    private VisionTransformer prune(String method, PruningTarget target, VisionTransformer base, GatedModel gated, Selector global,
                                    Cifar10 train, StrategyRegistry registry, NDManager manager) throws IOException {
        return switch (method) {
            case "vtp-l1" -> VtpPruning.apply(gated, VtpPruning.plan(gated, target, global), manager);
            case "regression-stability:ce-target=labels" -> Surgery.apply(base, Pruning.select(base, stabilityScores(base, target.kind(), train), global, target), manager);
            default -> {
                PruningPlan plan = Pruning.plan(base, registry.scorer(method).create(StrategySettings.EMPTY), global, target,
                        ScoringContext.dataFree(manager));
                yield Surgery.apply(base, plan, manager);
            }
        };
    }

    /** Global-scope stability scores against the labels, from ablation losses measured once per unit kind. */
    private UnitScores stabilityScores(VisionTransformer base, UnitKind kind, Cifar10 train) throws IOException {
        Cifar10 fullSplit = trainLimit == null ? train : data.load(Cifar10.Split.TRAIN, null);
        return StabilityScores.of(new AblationCache(ablationDirectory, fullSplit, scoringImages, 50).halves(base, kind, scoringSeed).whole(), Scope.GLOBAL, CeTarget.LABELS);
    }

    /**
     * Forward time of {@code candidate} over {@code base} at batch 32, measured in this run: the
     * median of 7 alternating timings after a warm-up each. A quick ratio, not a JMH benchmark.
     */
    private static double latencyRatio(VisionTransformer candidate, VisionTransformer base, NDManager manager) {
        double[] ratios = new double[7];
        try (NDManager images = manager.newSubManager()) {
            NDArray batch = images.randomNormal(new Shape(32, 3, 32, 32));
            time(base, batch);
            time(candidate, batch);
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = time(candidate, batch) / time(base, batch);
            }
        }
        Arrays.sort(ratios);
        return ratios[ratios.length / 2];
    }

    private static double time(VisionTransformer model, NDArray batch) {
        long start = System.nanoTime();
        RuntimeTiming.forwardPasses(model, batch, 1);
        return System.nanoTime() - start;
    }

    /** Writes the histogram of |g| after the sparsity phase and returns a one-paragraph summary. */
    private String plotGates(GatedModel gated) throws IOException {
        CategoryChart chart = new CategoryChartBuilder().width(800).height(450).title(String.format("|g| after %d epochs, lambda %.0e", gateEpochs, lambda))
                .xAxisTitle("|g|").yAxisTitle("gates").build();
        StringBuilder summary = new StringBuilder();
        for (GateStatistics gates : GateStatistics.of(gated)) {
            gates.addHistogram(chart, 20);
            summary.append(gates.summary()).append(' ');
        }
        Path png = Path.of(out + "-gates.png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        return summary.toString().trim();
    }

    /** The markdown and the top-1 plot of the cells finished so far (rewritten after each, so that a long run reports as it goes). */
    private void writeReport(ResultTable table, String gateSummary, int trainImages, int testImages) throws IOException {
        StringBuilder md = new StringBuilder("# VTP L1 gates vs weight magnitude vs regression stability\n\n")
                .append(String.format("Model `%s`. Gates: %d epoch(s) of CE + %.0e x sum |g| on %,d training images, AdamW lr %.0e (gates %.0e); VTP "
                        + "prunes the gate-trained network with the gates folded in. Every method selects globally, then gets %d epoch(s) of "
                        + "KD fine-tuning (CE + KL to the unpruned model, lr %.0e). Stability: %,d scoring images. Top-1 on %,d test images. "
                        + "Latency ratio: forward time at batch 32 over the unpruned model's, median of 7 alternating timings in this run (not JMH). "
                        + "Machine: %s. Date: %s.%n%n", model, gateEpochs, lambda, trainImages, gateRates.network, gateRates.gates, finetuneEpochs, learningRate,
                        scoringImages, testImages, Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(Invocation.of(spec)).append("` (resumable).\n\n")
                .append(ReportNotes.cellOptions(table))
                .append("Gates after the sparsity phase: ").append(gateSummary).append("\n\n")
                .append("![gate histogram](").append(out.getFileName()).append("-gates.png)\n\n")
                .append("| method | unit | removed | top-1 pruned | top-1 fine-tuned | parameters | MACs / image | latency ratio |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|\n");
        for (List<String> row : table.rows()) {
            md.append(String.format("| %s | %s | %.0f%% | %.2f%% | %.2f%% | %,d | %,d | %s |%n", row.get(0), row.get(1),
                    100 * Double.parseDouble(row.get(2)), 100 * Double.parseDouble(row.get(3)), 100 * Double.parseDouble(row.get(4)),
                    Long.parseLong(row.get(5)), Long.parseLong(row.get(6)), row.get(7)));
        }
        List<String> missing = new ArrayList<>();
        for (String kind : kinds) {
            for (String method : methods) {
                ratios.stream().filter(ratio -> !table.has(method, kind, String.format("%.2f", ratio)))
                        .forEach(ratio -> missing.add(String.format("%s %s %.0f%%", method, kind, 100 * ratio)));
            }
        }
        if (!missing.isEmpty()) {
            md.append("\nNot run yet (the command continues where it stopped): ").append(String.join(", ", missing)).append(".\n");
        }
        md.append("\n![top-1 after fine-tuning](").append(out.getFileName()).append(".png)\n");
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        plotTop1(table);
        System.out.println("wrote " + out + ".csv, .md, .png and -gates.png");
    }

    /** Top-1 after fine-tuning against the fraction removed, one line per method and unit kind, the unpruned model as a flat line. */
    private void plotTop1(ResultTable table) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title("top-1 after pruning and " + finetuneEpochs + " epoch(s) of KD")
                .xAxisTitle("units removed (%)").yAxisTitle("top-1 fine-tuned (%)").build();
        for (String kind : kinds) {
            for (String method : methods) {
                List<Double> xs = new ArrayList<>();
                List<Double> ys = new ArrayList<>();
                for (double ratio : ratios) {
                    Map<String, String> row = table.row(method, kind, String.format("%.2f", ratio));
                    if (row != null) {
                        xs.add(100 * ratio);
                        ys.add(100 * Double.parseDouble(row.get("top1_finetuned")));
                    }
                }
                if (!xs.isEmpty()) {
                    chart.addSeries(method + " " + kind, xs, ys);
                }
            }
        }
        Map<String, String> base = table.row("none", "-", "0.00");
        if (base != null && !ratios.isEmpty()) {
            double top1 = 100 * Double.parseDouble(base.get("top1_finetuned"));
            chart.addSeries("unpruned", List.of(100 * ratios.get(0), 100 * ratios.get(ratios.size() - 1)), List.of(top1, top1));
        }
        if (chart.getSeriesMap().isEmpty()) {
            return;
        }
        Path png = Path.of(out + ".png").toAbsolutePath();
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
    }

    private static String format(double top1) {
        return String.format("%.4f", top1);
    }
}
