package io.vitprune.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.InvalidInputException;
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
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.tokens.TokenReducedModel;
import io.vitprune.core.tokens.TokenStrategies;
import io.vitprune.core.train.Evaluation;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import java.util.stream.Stream;
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
 * Training-free token reduction against channel pruning and both together: ToMe at several r, the
 * cls-attention baseline keeping as many tokens in the last block, weight-magnitude channel
 * pruning (uniform and global), and channel pruning followed by ToMe; each evaluated on the test
 * split with its MACs and its throughput at batch 32 and 1, timed in this run alternately with the
 * base model. Every cell is kept in the CSV as soon as it is done, so a rerun continues; the
 * markdown table and the plot (top-1 vs throughput at batch 32) are rewritten at the end.
 */
@Command(name = "tokens", description = "ToMe token merging at several r vs cls-attention token pruning vs weight-magnitude channel pruning, "
        + "and channels + ToMe: top-1, MACs, throughput at batch 32 and 1 (resumable).")
public final class TokensExperiment implements Callable<Integer> {
    public static final List<String> COLUMNS = List.of("method", "setting", "top1", "parameters", "macs_per_image", "last_block_tokens",
            "images_per_s_b32", "images_per_s_b1", "throughput_ratio_b32", "throughput_ratio_b1");

    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--r", split = ",", defaultValue = "2,4,6,8,12", description = "ToMe's tokens merged per block, one row each.")
    List<Integer> rs;
    @Option(names = "--schedule", defaultValue = "constant", description = "ToMe's r schedule: constant or decreasing (from 2r to 0).")
    String schedule;
    @Option(names = "--baseline", defaultValue = "true", fallbackValue = "true", negatable = true,
            description = "Also evaluate cls-attention token pruning (stages before every block but the first) keeping as many tokens "
                    + "in the last block as ToMe at each r.")
    boolean baseline;
    @Option(names = "--channel-scorer", defaultValue = "weight-l1", description = "Channel pruning scorer (data-free).") String channelScorer;
    @Option(names = "--channel-kind", defaultValue = "attention-channel") String channelKind;
    @Option(names = "--channel-ratios", split = ",", defaultValue = "0.3,0.5", description = "Fractions of the units removed (none: no channel rows).")
    List<Double> channelRatios;
    @Option(names = "--channel-selectors", split = ",", defaultValue = "uniform,global") List<String> channelSelectors;
    @Option(names = "--combined-r", split = ",", defaultValue = "4,8", description = "ToMe's r on each channel-pruned model (channels + tokens).")
    List<Integer> combinedRs;
    @Option(names = "--finetune", description = "Also KD fine-tune each channel-pruned model from the base model (--finetune-epochs) and "
            + "evaluate it alone and with ToMe (rows <channel method>-ft).") boolean finetune;
    @Option(names = "--finetune-epochs", defaultValue = "1") int finetuneEpochs;
    @Option(names = "--lr", defaultValue = "2e-4", description = "Fine-tuning peak learning rate.") double learningRate;
    @Option(names = "--beta", defaultValue = "1.0", description = "Weight of the KD term in fine-tuning.") double beta;
    @Option(names = "--temperature", defaultValue = "1.0") double temperature;
    @Option(names = "--seed", defaultValue = "42", description = "Fine-tuning seed.") long seed;
    @Option(names = "--train-limit", description = "Fine-tune on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--work", defaultValue = "target/experiments/tokens", description = "Channel-pruned and fine-tuned models, fine-tune checkpoints.")
    Path work;
    @Option(names = "--timing-rounds", defaultValue = "7", description = "Alternating rounds of the quick throughput timing (median).")
    int timingRounds;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--out", defaultValue = "target/results/tokens",
            description = "Writes <out>.csv, <out>.md and <out>.png (top-1 vs throughput at batch 32).") Path out;

    @Override
    public Integer call() throws Exception {
        if (!schedule.equals("constant") && !schedule.equals("decreasing")) {
            throw new InvalidInputException("--schedule " + schedule + ": expected constant or decreasing");
        }
        for (double ratio : channelRatios) {
            if (!(ratio > 0 && ratio < 1)) {
                throw new InvalidInputException("--channel-ratios " + channelRatios + ": expected fractions in (0, 1)");
            }
        }
        for (int r : Stream.concat(rs.stream(), combinedRs.stream()).toList()) {
            if (r < 0) {
                throw new InvalidInputException("--r " + rs + " and --combined-r " + combinedRs + ": expected tokens merged per block >= 0");
            }
        }
        if (timingRounds < 1) {
            throw new InvalidInputException("--timing-rounds " + timingRounds + ": expected >= 1");
        }
        if (finetune && finetuneEpochs < 1) {
            throw new InvalidInputException("--finetune-epochs " + finetuneEpochs + " with --finetune: expected >= 1");
        }
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work)
                .files("--out", out, ".csv", ".md", ".png").verify();
        channelSelectors.forEach(registry::selector);
        registry.scorer(channelScorer);
        UnitKind.fromId(channelKind); // fails naming the kind, before any work
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        Cifar10 train = finetune ? data.load(Cifar10.Split.TRAIN, trainLimit) : null;
        CellOptions options = new CellOptions().model("model", model).data("test", test);
        if (finetune) {
            options.data("train", train);
        }
        ResultTable table = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 2, options.command(spec, Set.of("--model", "--data", "--r",
                "--baseline", "--channel-ratios", "--channel-selectors", "--combined-r", "--finetune", "--timing-rounds", "--train-limit",
                "--test-limit", "--work", "--out")).toString());
        KdFinetune tuning = new KdFinetune(finetuneEpochs, learningRate, beta, temperature, seed);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            int patches = base.config().patches();
            int depth = base.structure().depth();
            if (!table.has("base", "-")) {
                put(table, "base", "-", base, base, ModelStats.of(base), patches + 1, test, manager);
            }
            for (int r : rs) {
                String setting = tomeSetting(r);
                if (!table.has("tome", setting)) {
                    try (TokenReducedModel merged = tome(copy(base, manager), r)) {
                        put(table, "tome", setting, merged, base, merged.stats(), last(merged.tokensPerBlock()[0]), test, manager);
                    }
                }
                if (baseline) {
                    int lastTokens;
                    try (TokenReducedModel merged = tome(copy(base, manager), r)) {
                        lastTokens = merged.tokensPerBlock()[0][depth - 1];
                    }
                    TokenPruning pruning = matchingPruning(patches, depth, lastTokens - 1);
                    String rhoSetting = String.format("rho=%.4f", pruning.rho());
                    if (!table.has("cls-attention", rhoSetting)) {
                        try (TokenPrunedModel pruned = TokenPrunedModel.compose(copy(base, manager), pruning, TokenStrategies.of("cls-attention", "top-k"),
                                registry, 0)) {
                            put(table, "cls-attention", rhoSetting, pruned, base, pruned.stats(), last(pruned.tokensPerBlock()), test, manager);
                        }
                    }
                }
            }
            for (String selector : channelSelectors) {
                for (double ratio : channelRatios) {
                    channelRows(table, base, selector, ratio, test, manager);
                    if (finetune) {
                        finetunedRows(table, base, selector, ratio, train, test, tuning, manager);
                    }
                }
            }
        }
        plot(table);
        writeMarkdown(table, test.size());
        return 0;
    }

    /** The channel-pruned model (no fine-tuning), then ToMe on it at each of {@code --combined-r}. */
    private void channelRows(ResultTable table, VisionTransformer base, String selector, double ratio, Cifar10 test,
                             NDManager manager) throws IOException {
        String method = channelMethod(selector, ratio);
        List<Integer> missing = combinedRs.stream().filter(r -> !table.has(method + "+tome", tomeSetting(r))).toList();
        if (table.has(method, "-") && missing.isEmpty()) {
            return;
        }
        try (VisionTransformer smaller = Surgery.apply(base, channelPlan(base, selector, ratio, manager), manager)) {
            if (!table.has(method, "-")) {
                put(table, method, "-", smaller, base, ModelStats.of(smaller), base.config().patches() + 1, test, manager);
            }
            for (int r : missing) {
                try (TokenReducedModel merged = tome(copy(smaller, manager), r)) {
                    put(table, method + "+tome", tomeSetting(r), merged, base, merged.stats(), last(merged.tokensPerBlock()[0]), test, manager);
                }
            }
        }
    }

    /**
     * The channel-pruned model KD fine-tuned from the base model ({@link KdFinetune}: checkpointed in
     * {@code --work}, so an interrupted fine-tune resumes), alone and with ToMe at each of {@code --combined-r}.
     */
    private void finetunedRows(ResultTable table, VisionTransformer base, String selector, double ratio, Cifar10 train, Cifar10 test,
                               KdFinetune tuning, NDManager manager) throws IOException {
        String method = channelMethod(selector, ratio) + "-ft";
        List<Integer> missing = combinedRs.stream().filter(r -> !table.has(method + "+tome", tomeSetting(r))).toList();
        if (table.has(method, "-") && missing.isEmpty()) {
            return;
        }
        Path cell = work.resolve(channelMethod(selector, ratio));
        Path tuned = cell.resolve("finetuned");
        if (!Files.exists(tuned.resolve(ModelStore.MANIFEST))) {
            Path pruned = cell.resolve("pruned");
            if (!Files.exists(pruned.resolve(ModelStore.MANIFEST))) {
                try (VisionTransformer smaller = Surgery.apply(base, channelPlan(base, selector, ratio, manager), manager)) {
                    ModelStore.save(smaller, pruned);
                }
            }
            tuning.run(pruned, base, train, test, cell.resolve("finetune"), tuned, manager);
        }
        try (VisionTransformer smaller = ModelStore.load(tuned, manager)) {
            if (!table.has(method, "-")) {
                put(table, method, "-", smaller, base, ModelStats.of(smaller), base.config().patches() + 1, test, manager);
            }
            for (int r : missing) {
                try (TokenReducedModel merged = tome(copy(smaller, manager), r)) {
                    put(table, method + "+tome", tomeSetting(r), merged, base, merged.stats(), last(merged.tokensPerBlock()[0]), test, manager);
                }
            }
        }
    }

    private PruningPlan channelPlan(VisionTransformer base, String selector, double ratio, NDManager manager) {
        return Pruning.plan(base, registry.scorer(channelScorer).create(StrategySettings.EMPTY),
                registry.selector(selector).create(StrategySettings.EMPTY), new PruningTarget(UnitKind.fromId(channelKind), ratio),
                ScoringContext.dataFree(manager));
    }

    private String channelMethod(String selector, double ratio) {
        return String.format("%s-%s-%s-%.0f%%", channelScorer, selector, UnitKind.fromId(channelKind).id(), 100 * ratio);
    }

    private String tomeSetting(int r) {
        return "r=" + r + (schedule.equals("constant") ? "" : "/" + schedule);
    }

    private TokenReducedModel tome(VisionTransformer backbone, int r) {
        return TokenReducedModel.compose(backbone, "tome", StrategySettings.of("r", String.valueOf(r), "schedule", schedule), registry, 0);
    }

    /**
     * Token pruning before every block but the first (cls-attention scores with the block before),
     * with the keep ratio whose last stage keeps {@code lastPatchTokens}: {@code rho = (k / N)^(1 / stages)},
     * nudged up so that {@code int(N rho^s)} does not round below it.
     */
    static TokenPruning matchingPruning(int patches, int depth, int lastPatchTokens) {
        List<Integer> stages = IntStream.range(1, depth).boxed().toList();
        double rho = Math.min(1.0, Math.pow((lastPatchTokens + 0.5) / patches, 1.0 / stages.size()));
        return new TokenPruning(stages, rho);
    }

    private static int last(int[] tokens) {
        return tokens[tokens.length - 1];
    }

    private void put(ResultTable table, String method, String setting, PrunableModel candidate, VisionTransformer base, ModelStats stats,
                     int lastBlockTokens, Cifar10 test, NDManager manager) throws IOException {
        double top1 = Evaluation.top1(candidate, test, 250, System.err).top1();
        double[] b32 = imagesPerSecond(base, candidate, 32, manager);
        double[] b1 = imagesPerSecond(base, candidate, 1, manager);
        table.put(method, setting, String.format("%.4f", top1), stats.parameters(), stats.macsPerImage(), lastBlockTokens,
                String.format("%.1f", b32[1]), String.format("%.1f", b1[1]), String.format("%.3f", b32[1] / b32[0]),
                String.format("%.3f", b1[1] / b1[0]));
        System.out.printf("%s %s: top-1 %.2f%%, %,d MACs/image, %.1f images/s at batch 32 (x%.2f), %.1f at batch 1 (x%.2f)%n", method, setting,
                100 * top1, stats.macsPerImage(), b32[1], b32[1] / b32[0], b1[1], b1[1] / b1[0]);
    }

    /**
     * Images per second of {@code base} and {@code candidate} at {@code batch}, timed alternately in
     * this run ({@link RuntimeTiming}: median of the rounds after a warm-up); a quick measurement,
     * not a JMH benchmark. At batch 1 each call runs 16 forward passes.
     */
    private double[] imagesPerSecond(VisionTransformer base, PrunableModel candidate, int batch, NDManager manager) {
        int repeats = batch == 1 ? 16 : 1;
        int size = base.config().imageSize();
        try (NDManager images = manager.newSubManager()) {
            NDArray x = images.randomNormal(new Shape(batch, 3, size, size));
            double[] ms = RuntimeTiming.medianMilliseconds(timingRounds,
                    List.of(() -> RuntimeTiming.forwardPasses(base, x, repeats), () -> RuntimeTiming.forwardPasses(candidate, x, repeats)));
            return new double[] {1000.0 * batch * repeats / ms[0], 1000.0 * batch * repeats / ms[1]};
        }
    }

    private static VisionTransformer copy(VisionTransformer model, NDManager manager) {
        return Surgery.apply(model, PruningPlan.keepAll(model.structure()), manager);
    }

    /** Top-1 against the throughput ratio at batch 32: one series per method. */
    private void plot(ResultTable table) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(500).title("Top-1 vs throughput, " + model.getFileName()).xAxisTitle("throughput vs base, batch 32 (x)").yAxisTitle("top-1 (%)").build();
        Map<String, List<double[]>> families = new LinkedHashMap<>();
        for (List<String> row : table.rows()) {
            families.computeIfAbsent(row.get(0), name -> new ArrayList<>())
                    .add(new double[] {Double.parseDouble(row.get(8)), 100 * Double.parseDouble(row.get(2))});
        }
        families.forEach((family, points) -> {
            XYSeries series = chart.addSeries(family, points.stream().mapToDouble(p -> p[0]).toArray(), points.stream().mapToDouble(p -> p[1]).toArray());
            if (points.size() == 1) {
                series.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            }
        });
        Path png = Path.of(out + ".png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        AtomicFiles.write(png, stream -> BitmapEncoder.saveBitmap(chart, stream, BitmapEncoder.BitmapFormat.PNG));
    }

    private void writeMarkdown(ResultTable table, int testImages) throws IOException {
        StringBuilder md = new StringBuilder("# Token merging, token pruning and channel pruning\n\n")
                .append(String.format("Model `%s`, no fine-tuning but where `-ft` says. `tome`: ToMe token merging (methods.md section 4.6), r token pairs "
                        + "merged in every block between attention and MLP (%s schedule), by the cosine of the attention keys of all heads side "
                        + "by side, with proportional attention. %s`%s-<selector>-%s-<ratio>`: %s scores, %s selection, that fraction of the "
                        + "units removed; `+tome`: ToMe on that pruned model. %sTop-1 on %,d test images. MACs count the matrix products on the "
                        + "tokens each block's attention and MLP get. Last-block tokens: the tokens the last block's attention gets, "
                        + "class token included. Throughput: images per second of a forward pass at batch 32 and batch 1, median of %d rounds timed in "
                        + "this run alternately with the base model (a quick measurement, not JMH); x: this model's over the base model's, "
                        + "from the same rounds. Machine: %s. Date: %s.%n%n",
                        model, schedule, baseline ? "`cls-attention`: token pruning before blocks 1.. with the class token's attention of the "
                                + "block before, rho chosen so that the last block gets as many tokens as ToMe's at the same r. " : "",
                        channelScorer, UnitKind.fromId(channelKind).id(), channelScorer, String.join(" / ", channelSelectors),
                        finetune ? String.format("`-ft`: that model after %d epoch(s) of KD fine-tuning from the base model (lr %.0e, beta %.1f, "
                                + "temperature %.1f, seed %d). ", finetuneEpochs, learningRate, beta, temperature, seed) : "", testImages,
                        timingRounds, Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(Invocation.of(spec)).append("` (resumable).\n\n")
                .append(ReportNotes.cellOptions(table))
                .append("![top-1 vs throughput](").append(out.getFileName()).append(".png)\n\n")
                .append("| method | setting | top-1 | parameters | MMACs / image | last-block tokens | images/s (batch 32) | x (batch 32) "
                        + "| images/s (batch 1) | x (batch 1) |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (List<String> row : table.rows()) {
            md.append(String.format("| %s | %s | %.2f%% | %,d | %.1f | %s | %s | %s | %s | %s |%n", row.get(0), row.get(1),
                    100 * Double.parseDouble(row.get(2)), Long.parseLong(row.get(3)), Long.parseLong(row.get(4)) / 1e6, row.get(5), row.get(6),
                    row.get(8), row.get(7), row.get(9)));
        }
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        System.out.println("wrote " + out + ".csv, .md and .png");
    }
}
