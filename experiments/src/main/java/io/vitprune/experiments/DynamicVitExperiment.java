package io.vitprune.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.UnitKind;
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
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.tokens.TokenStrategies;
import io.vitprune.core.train.Evaluation;
import io.vitprune.strategies.tokens.DynamicVitSettings;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * DynamicViT token pruning (issue 7): for each rho, predictors trained on the reference model
 * (resumable, one work directory per rho) and the non-learned cls-attention baseline on the
 * unchanged reference, each evaluated on the test split with its MACs and a quick throughput ratio
 * against the base model measured in this process at batch 32 and 1; plus a channel-pruned model
 * alone and with token pruning. Every cell is kept in the CSV as soon as it is done, so a rerun
 * continues; the table, a plot (top-1 vs MACs) and the picture of dropped patches are rewritten at the end.
 */
@Command(name = "dynamicvit", description = "DynamicViT token pruning at several rho vs the cls-attention baseline, plus channel + token "
        + "pruning: top-1, MACs, throughput ratio (resumable).")
public final class DynamicVitExperiment implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    public static final List<String> COLUMNS = List.of("method", "rho", "top1", "parameters", "macs_per_image", "throughput_ratio_b32",
            "throughput_ratio_b1", "train_seconds");

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Mixin
    TokenOptions tokens;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--rhos", split = ",", defaultValue = "0.5,0.6,0.7,0.8,0.9") List<Double> rhos;
    @Option(names = "--baseline", defaultValue = "true", fallbackValue = "true", negatable = true,
            description = "Also evaluate the cls-attention baseline at each rho.")
    boolean baseline;
    @Option(names = "--channel-scorer", defaultValue = "weight-l1", description = "Channel pruning of the combined row (data-free scorer, global).")
    String channelScorer;
    @Option(names = "--channel-kind", defaultValue = "attention-channel") String channelKind;
    @Option(names = "--channel-ratio", defaultValue = "0.3", description = "Fraction of units the combined row removes (0: no combined row).")
    double channelRatio;
    @Option(names = "--channel-rho", defaultValue = "0.7", description = "Token keep ratio of the combined row.") double channelRho;
    @Option(names = "--picture-rho", defaultValue = "0.7", description = "The trained rho whose dropped patches are drawn.") double pictureRho;
    @Option(names = "--timing-rounds", defaultValue = "7",
            description = "Alternating rounds of the quick throughput timing (median).") int timingRounds;
    @Option(names = "--train-limit", description = "Train on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/dynamicvit") Path work;
    @Option(names = "--out", defaultValue = "target/results/dynamicvit",
            description = "Writes <out>.csv, <out>.md, <out>.png (top-1 vs MACs) and <out>-tokens.png.") Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work)
                .files("--out", out, ".csv", ".md", ".png", "-tokens.png").verify();
        Cifar10 train = data.load(Cifar10.Split.TRAIN, trainLimit);
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        ResultTable table = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 2, new CellOptions().model("model", model).data("train", train)
                .data("test", test).command(spec, Set.of("--model", "--data", "--rhos", "--baseline", "--picture-rho", "--timing-rounds",
                        "--train-limit", "--test-limit", "--work", "--out")).toString());
        int depth;
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            depth = base.structure().depth();
            if (!table.has("base", "1.00")) {
                ModelStats stats = ModelStats.of(base);
                double top1 = Evaluation.top1(base, test, 250, System.err).top1();
                table.put("base", "1.00", format(top1), stats.parameters(), stats.macsPerImage(), "1.000", "1.000", "0");
            }
            for (double rho : rhos) {
                String rhoKey = String.format("%.2f", rho);
                if (!table.has("dynamicvit", rhoKey)) {
                    Path cell = work.resolve("dynamicvit-" + rhoKey);
                    DynamicVitSettings settings = tokens.settings(depth, rho);
                    double seconds = TokenTraining.train(base, base, settings, train, cell.resolve("train"), cell.resolve("model"),
                            settings.epochs(), manager);
                    try (TokenPrunedModel pruned = TokenModelStore.load(cell.resolve("model"), registry, manager)) {
                        put(table, "dynamicvit", rhoKey, pruned, base, test, seconds, manager);
                    }
                }
                if (baseline && !table.has("cls-attention", rhoKey)) {
                    try (TokenPrunedModel pruned = TokenPrunedModel.compose(copy(base, manager), tokens.pruning(depth, rho),
                            TokenStrategies.of("cls-attention", "top-k"), registry, tokens.seed)) {
                        put(table, "cls-attention", rhoKey, pruned, base, test, 0, manager);
                    }
                }
            }
            if (channelRatio > 0) {
                combinedRows(table, base, train, test, registry, depth, manager);
            }
            Path pictureModel = work.resolve(String.format("dynamicvit-%.2f", pictureRho)).resolve("model");
            if (TokenModelStore.isTokenModel(pictureModel)) {
                try (TokenPrunedModel pruned = TokenModelStore.load(pictureModel, registry, manager)) {
                    Cifar10 all = data.load(Cifar10.Split.TEST, null);
                    TokenPicture.write(pruned, all.subset(new int[] {0, 1, 2, 3, 4, 5, 6, 7}), Path.of(out + "-tokens.png"));
                }
            }
        }
        plot(table);
        writeMarkdown(table, depth, train.size(), test.size());
        return 0;
    }

    private String channelMethod() {
        return String.format("%s-%s-%.0f%%", channelScorer, UnitKind.fromId(channelKind).id(), 100 * channelRatio);
    }

    /** The channel-pruned model alone (no fine-tuning), then with DynamicViT trained on it (the reference as teacher). */
    private void combinedRows(ResultTable table, VisionTransformer base, Cifar10 train, Cifar10 test, StrategyRegistry registry, int depth,
                              NDManager manager) throws IOException {
        Path cell = work.resolve(channelMethod());
        Path channelPruned = cell.resolve("channel-pruned");
        if (!Files.exists(channelPruned.resolve(ModelStore.MANIFEST))) {
            PruningPlan plan = Pruning.plan(base, registry.scorer(channelScorer).create(StrategySettings.EMPTY),
                    registry.selector("global").create(StrategySettings.EMPTY), new PruningTarget(UnitKind.fromId(channelKind), channelRatio),
                    ScoringContext.dataFree(manager));
            try (VisionTransformer smaller = Surgery.apply(base, plan, manager)) {
                ModelStore.save(smaller, channelPruned);
            }
        }
        try (VisionTransformer smaller = ModelStore.load(channelPruned, manager)) {
            if (!table.has(channelMethod(), "1.00")) {
                ModelStats stats = ModelStats.of(smaller);
                double top1 = Evaluation.top1(smaller, test, 250, System.err).top1();
                table.put(channelMethod(), "1.00", format(top1), stats.parameters(), stats.macsPerImage(),
                        ratio(base, smaller, 32, manager), ratio(base, smaller, 1, manager), "0");
            }
            String combined = channelMethod() + "+dynamicvit";
            String rhoKey = String.format("%.2f", channelRho);
            if (!table.has(combined, rhoKey)) {
                DynamicVitSettings settings = tokens.settings(depth, channelRho);
                double seconds = TokenTraining.train(smaller, base, settings, train, cell.resolve("train"), cell.resolve("model"),
                        settings.epochs(), manager);
                try (TokenPrunedModel pruned = TokenModelStore.load(cell.resolve("model"), registry, manager)) {
                    put(table, combined, rhoKey, pruned, base, test, seconds, manager);
                }
            }
        }
    }

    private void put(ResultTable table, String method, String rhoKey, TokenPrunedModel pruned, VisionTransformer base, Cifar10 test,
                     double seconds, NDManager manager) throws IOException {
        ModelStats stats = pruned.stats();
        double top1 = Evaluation.top1(pruned, test, 250, System.err).top1();
        table.put(method, rhoKey, format(top1), stats.parameters(), stats.macsPerImage(), ratio(base, pruned, 32, manager),
                ratio(base, pruned, 1, manager), String.format("%.0f", seconds));
        System.out.printf("%s rho %s: top-1 %.2f%%, %,d MACs/image, tokens per block %s%n", method, rhoKey, 100 * top1, stats.macsPerImage(),
                Arrays.toString(pruned.tokensPerBlock()));
    }

    /**
     * Throughput of {@code candidate} over {@code base} (base time / candidate time) at {@code batch},
     * measured in this run: the median of alternating timings after a warm-up each. A quick
     * ratio, not a JMH benchmark (see TokenForwardBenchmark).
     */
    private String ratio(PrunableModel base, PrunableModel candidate, int batch, NDManager manager) {
        double[] ratios = new double[timingRounds];
        try (NDManager images = manager.newSubManager()) {
            NDArray x = images.randomNormal(new Shape(batch, 3, 32, 32));
            int inner = batch == 1 ? 16 : 1;
            time(base, x, inner);
            time(candidate, x, inner);
            for (int i = 0; i < ratios.length; i++) {
                ratios[i] = time(base, x, inner) / time(candidate, x, inner);
            }
        }
        Arrays.sort(ratios);
        return String.format("%.3f", ratios[ratios.length / 2]);
    }

    private static double time(PrunableModel model, NDArray batch, int repeats) {
        long start = System.nanoTime();
        RuntimeTiming.forwardPasses(model, batch, repeats);
        return System.nanoTime() - start;
    }

    private static VisionTransformer copy(VisionTransformer model, NDManager manager) {
        return Surgery.apply(model, PruningPlan.keepAll(model.structure()), manager);
    }

    /** Top-1 against MACs per image: one series per method family. */
    private void plot(ResultTable table) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Token pruning on " + model.getFileName() + ": top-1 vs MACs")
                .xAxisTitle("MMACs / image").yAxisTitle("top-1 (%)").build();
        for (String family : List.of("base", "dynamicvit", "cls-attention", channelMethod(), channelMethod() + "+dynamicvit")) {
            List<Double> macs = new ArrayList<>();
            List<Double> top1 = new ArrayList<>();
            for (List<String> row : table.rows()) {
                if (row.get(0).equals(family)) {
                    macs.add(Long.parseLong(row.get(4)) / 1e6);
                    top1.add(100 * Double.parseDouble(row.get(2)));
                }
            }
            if (!macs.isEmpty()) {
                XYSeries series = chart.addSeries(family, macs, top1);
                if (macs.size() == 1) {
                    series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
                }
            }
        }
        Path png = Path.of(out + ".png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        AtomicFiles.write(png, stream -> BitmapEncoder.saveBitmap(chart, stream, BitmapEncoder.BitmapFormat.PNG));
    }

    private void writeMarkdown(ResultTable table, int depth, int trainImages, int testImages) throws IOException {
        TokenPruning pruning = tokens.pruning(depth, 0.7);
        StringBuilder md = new StringBuilder("# DynamicViT token pruning\n\n")
                .append(String.format("Model `%s`. Token pruning before blocks %s, keeping int(64 x rho^s) patch tokens after stage s "
                        + "(the class token always). `dynamicvit`: predictors trained %d epoch(s) on %,d training images with "
                        + "CE + %.1f x ratio MSE + %.1f x KL(teacher || student) + %.1f x token MSE, hard Gumbel-softmax decisions and masked "
                        + "attention, AdamW lr %.0e for the predictors and x %.2f for the backbone, the unpruned model as frozen teacher; "
                        + "inference gathers the kept tokens (top-k). %s%s"
                        + "Top-1 on %,d test images. MACs count the matrix products of the blocks on the kept tokens plus the predictors. "
                        + "Throughput ratio: base forward time / this model's at batch 32 and batch 1, median of %d alternating "
                        + "timings in this run (a quick ratio, not JMH; see `TokenForwardBenchmark`). Training s: the training epochs' seconds "
                        + "(history.csv of the cell), evaluation excluded. Machine: %s. Date: %s.%n%n",
                        model, pruning.stages(), tokens.epochs, trainImages, tokens.ratioWeight, tokens.klWeight, tokens.tokenWeight,
                        tokens.learningRate, tokens.backboneScale,
                        baseline ? "`cls-attention`: the non-learned baseline (class-token attention of the block before each stage, top-k) "
                                + "on the unchanged model. " : "",
                        channelRatio > 0 ? String.format("`%s`: %s scores, global selection, no fine-tuning; `+dynamicvit`: predictors "
                                + "trained on it as above (this also fine-tunes its backbone at the backbone rate). ", channelMethod(), channelScorer) : "",
                        testImages, timingRounds, Machine.describe(),
                        LocalDate.now()))
                .append("Produced by `").append(Invocation.of(spec)).append("` (resumable).\n\n")
                .append(ReportNotes.cellOptions(table))
                .append("![top-1 vs MACs](").append(out.getFileName()).append(".png)\n\n")
                .append("| method | rho | top-1 | parameters | MMACs / image | MACs vs base | throughput x (batch 32) | throughput x (batch 1) "
                        + "| training s |\n")
                .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        List<String> base = table.rows().stream().filter(row -> row.get(0).equals("base")).findFirst().orElseThrow();
        double baseMacs = Long.parseLong(base.get(4));
        for (List<String> row : table.rows()) {
            md.append(String.format("| %s | %s | %.2f%% | %,d | %.1f | %.0f%% | %s | %s | %s |%n", row.get(0), row.get(1),
                    100 * Double.parseDouble(row.get(2)), Long.parseLong(row.get(3)), Long.parseLong(row.get(4)) / 1e6,
                    100 * Long.parseLong(row.get(4)) / baseMacs, row.get(5), row.get(6), row.get(7)));
        }
        if (Files.exists(Path.of(out + "-tokens.png"))) {
            md.append(String.format("%nPatches the rho %.1f model dropped (greyed) on the first 8 test images, at each stage:%n%n![dropped patches](%s-tokens.png)%n",
                    pictureRho, out.getFileName()));
        }
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        System.out.println("wrote " + out + ".csv, .md, .png" + (Files.exists(Path.of(out + "-tokens.png")) ? " and -tokens.png" : ""));
    }

    private static String format(double top1) {
        return String.format("%.4f", top1);
    }
}
