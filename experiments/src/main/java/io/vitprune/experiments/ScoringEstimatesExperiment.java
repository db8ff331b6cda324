package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.reliability.SplitHalfReliability;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.core.train.ProgressBar;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import io.vitprune.strategies.distill.LossEstimate;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * How well the gradient estimates of the ablation losses ({@code estimate=taylor|fisher}) reproduce
 * the exact ones on the reference model: rank correlation of the losses and of the criteria built on
 * them, per block and over all blocks, per unit kind and scoring-set size; the scoring time of each;
 * and top-1 after pruning with exact against estimated scores (no fine-tuning).
 *
 * <p>The exact losses of a set of at most {@code --timed-exact-images} images are measured here in
 * one timed run (kept in {@code --work}); larger sets come from the ablation cache that the paper
 * table shares (measured in halves, resumable, hence not timed here). Estimates take seconds and
 * are measured, and timed, again on every run that needs them.
 */
@Command(name = "scoring-estimates", description = "Gradient estimates of the ablation losses against the exact ablation (resumable).")
public final class ScoringEstimatesExperiment implements Callable<Integer> {
    static final List<String> AGREEMENT_COLUMNS = List.of("kind", "images", "estimate", "quantity", "overall", "per_block_min",
            "per_block_mean", "per_block_max");
    static final List<String> TIME_COLUMNS = List.of("kind", "images", "method", "seconds", "units");
    static final List<String> TOP1_COLUMNS = List.of("kind", "criterion", "method", "selector", "ratio", "top1", "macs_per_image");
    static final List<String> METHODS = List.of("exact", "taylor", "fisher");
    static final List<String> SELECTORS = List.of("uniform", "global");
    /** The criteria whose pruned models are evaluated: the two scorers' defaults. */
    static final List<Criterion> CRITERIA = Criterion.ALL.stream()
            .filter(criterion -> Set.of("kd-importance:alpha=10", "regression-stability:ce-target=teacher").contains(criterion.id())).toList();
    /** The quantities compared, in the order the report lists them, each from one set of losses (criteria as under the global selector). */
    static final Map<String, Function<AblationLosses, UnitScores>> QUANTITIES = quantities();

    private static final Set<String> NOT_IN_CELL_OPTIONS = Set.of("--model", "--data", "--kinds", "--images", "--ratios", "--timed-exact-images",
            "--scoring-batch-size", "--test-limit", "--work", "--ablations", "--out", "--report-only");

    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--kinds", split = ",", defaultValue = "attention-channel,mlp-unit") List<String> kinds;
    @Option(names = "--images", split = ",", defaultValue = "100,1000", description = "Scoring-set sizes; top-1 uses the largest.") List<Integer> images;
    @Option(names = "--seed", defaultValue = "0", description = "Scoring-set seed (the paper table's draw).") long seed;
    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.5,0.7") List<Double> ratios;
    @Option(names = "--timed-exact-images", defaultValue = "100", description = "Sets up to this size are measured exactly here, timed.")
    int timedExactImages;
    @Option(names = "--scoring-batch-size", defaultValue = "50") int scoringBatchSize;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/scoring-estimates", description = "Exact losses measured here.") Path work;
    @Option(names = "--ablations", defaultValue = AblationCache.DEFAULT_DIRECTORY, description = "Ablation losses, shared with other experiments.")
    Path ablationDirectory;
    @Option(names = "--out", defaultValue = "target/results/scoring-estimates",
            description = "Writes <out>.csv (agreement), <out>-time.csv, <out>-top1.csv, <out>.md and <out>.png.") Path out;
    @Option(names = "--report-only", description = "Write the report and plot from the cells and losses measured so far; measure nothing.")
    boolean reportOnly;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work).input("--ablations", ablationDirectory)
                .files("--out", out, ".csv", "-time.csv", "-top1.csv", ".md", ".png").verify();
        List<UnitKind> unitKinds = kinds.stream().map(ScoringEstimatesExperiment::kind).toList();
        images.stream().filter(count -> count <= 0).findFirst().ifPresent(count -> {
            throw new InvalidInputException("--images: " + count + ": expected scoring-set sizes > 0");
        });
        ratios.forEach(ratio -> new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio));
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        Cifar10 train = data.load(Cifar10.Split.TRAIN, null);
        String options = new CellOptions().model("model", model).data("train", train).data("test", test).command(spec, NOT_IN_CELL_OPTIONS)
                .toString();
        Tables tables = new Tables(ResultTable.keyedByOptions(Path.of(out + ".csv"), AGREEMENT_COLUMNS, 4, options),
                ResultTable.keyedByOptions(Path.of(out + "-time.csv"), TIME_COLUMNS, 3, options),
                ResultTable.keyedByOptions(Path.of(out + "-top1.csv"), TOP1_COLUMNS, 5, options));
        if (!reportOnly) {
            try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
                for (UnitKind kind : unitKinds) {
                    for (int count : images.stream().sorted().toList()) {
                        run(base, kind, train, count, test, tables, manager);
                    }
                }
            }
        }
        new ScoringEstimatesReport(tables, unitKinds, images.stream().sorted().toList(), ratios.stream().sorted().toList(), seed, out,
                Invocation.of(spec, Set.of("--report-only")), test.size()).write(lossesForPlot(train));
        return 0;
    }

    /** The three result tables of one run. */
    record Tables(ResultTable agreement, ResultTable time, ResultTable top1) { }

    private void run(VisionTransformer base, UnitKind kind, Cifar10 train, int count, Cifar10 test, Tables tables, NDManager manager)
            throws IOException {
        boolean forTop1 = count == images.stream().max(Integer::compare).orElseThrow();
        if (agreed(tables.agreement(), kind, count) && timed(tables.time(), kind, count) && (!forTop1 || pruned(tables.top1(), kind))) {
            return;
        }
        Cifar10 sample = train.randomSample(count, seed);
        AblationLosses exact = exact(base, kind, train, sample, tables.time());
        Map<String, AblationLosses> losses = new LinkedHashMap<>();
        losses.put("exact", exact);
        for (LossEstimate estimate : List.of(LossEstimate.TAYLOR, LossEstimate.FISHER)) {
            long start = System.nanoTime();
            AblationLosses estimated = AblationEngine.defaults().withEstimate(estimate).measure(base, kind, new Cifar10ScoringData(sample),
                    scoringBatchSize, ProgressListener.NONE);
            double seconds = (System.nanoTime() - start) / 1e9;
            if (!tables.time().has(kind.id(), count, estimate.id())) {
                tables.time().put(kind.id(), count, estimate.id(), String.format("%.2f", seconds), base.structure().totalUnits(kind));
            }
            System.out.printf("%s %s, %d images: %.1f s%n", estimate.id(), kind.id(), count, seconds);
            losses.put(estimate.id(), estimated);
            for (Map.Entry<String, Function<AblationLosses, UnitScores>> quantity : QUANTITIES.entrySet()) {
                if (!tables.agreement().has(kind.id(), count, estimate.id(), quantity.getKey())) {
                    SplitHalfReliability agreement = SplitHalfReliability.of(quantity.getValue().apply(exact),
                            quantity.getValue().apply(estimated), count);
                    tables.agreement().put(kind.id(), count, estimate.id(), quantity.getKey(), format(agreement.overall()),
                            format(agreement.perBlock().stream().mapToDouble(Double::doubleValue).min().orElseThrow()),
                            format(agreement.meanPerBlock()),
                            format(agreement.perBlock().stream().mapToDouble(Double::doubleValue).max().orElseThrow()));
                }
            }
        }
        if (forTop1) {
            prune(base, kind, losses, test, tables.top1(), manager);
        }
    }

    /** The exact losses of {@code sample}: measured here and timed when small, else the shared cache's pooled halves. */
    private AblationLosses exact(VisionTransformer base, UnitKind kind, Cifar10 train, Cifar10 sample, ResultTable time) throws IOException {
        if (sample.size() > timedExactImages) {
            return new AblationCache(ablationDirectory, train, sample.size(), scoringBatchSize).halves(base, kind, seed).whole();
        }
        Path file = timedExactFile(base, kind, sample.size());
        if (Files.exists(file) && (time == null || time.has(kind.id(), sample.size(), "exact"))) {
            return ModelStore.json().readValue(file.toFile(), AblationLosses.class);
        }
        long start = System.nanoTime();
        AblationLosses losses;
        try (ProgressBar bar = new ProgressBar(System.err, "exact " + kind.id() + " " + sample.size() + " images", 1)) {
            losses = AblationEngine.defaults().measure(base, kind, new Cifar10ScoringData(sample), scoringBatchSize, bar);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        Files.createDirectories(work);
        AtomicFiles.write(file, ModelStore.json().writeValueAsBytes(losses));
        if (!time.has(kind.id(), sample.size(), "exact")) {
            time.put(kind.id(), sample.size(), "exact", String.format("%.2f", seconds), base.structure().totalUnits(kind));
        }
        return losses;
    }

    private Path timedExactFile(VisionTransformer base, UnitKind kind, int count) throws IOException {
        return work.resolve(String.format("exact-%s-%s-%d-images-seed-%d.json", ModelStore.parametersSha256(base).substring(0, 12), kind.id(),
                count, seed));
    }

    /** Whether the exact losses of the seed's {@code count} images are measured already (nothing to measure for the plot). */
    private boolean exactMeasured(VisionTransformer base, UnitKind kind, Cifar10 train, int count) throws IOException {
        return count > timedExactImages ? new AblationCache(ablationDirectory, train, count, scoringBatchSize).has(base, kind, seed)
                : Files.exists(timedExactFile(base, kind, count));
    }

    private void prune(VisionTransformer base, UnitKind kind, Map<String, AblationLosses> losses, Cifar10 test, ResultTable top1,
            NDManager manager) throws IOException {
        if (!top1.has(kind.id(), "none", "-", "-", "0.00")) {
            top1.put(kind.id(), "none", "-", "-", "0.00", format(Evaluation.top1(base, test, 250, null).top1()), ModelStats.of(base).macsPerImage());
        }
        for (double ratio : ratios) {
            for (Criterion criterion : CRITERIA) {
                for (String selector : SELECTORS) {
                    for (String method : METHODS) {
                        String key = String.format("%.2f", ratio);
                        if (top1.has(kind.id(), criterion.id(), method, selector, key)) {
                            continue;
                        }
                        UnitScores scores = criterion.score(losses.get(method), selector);
                        try (VisionTransformer candidate = Surgery.apply(base, Pruning.select(base, scores,
                                registry.selector(selector).create(StrategySettings.EMPTY), new PruningTarget(kind, ratio)), manager)) {
                            double accuracy = Evaluation.top1(candidate, test, 250, null).top1();
                            top1.put(kind.id(), criterion.id(), method, selector, key, format(accuracy), ModelStats.of(candidate).macsPerImage());
                            System.out.printf("%-16s %-22s %-6s %-7s %3.0f%%  top-1 %6.2f%%%n", kind.id(), criterion.id(), method, selector,
                                    100 * ratio, 100 * accuracy);
                        }
                    }
                }
            }
        }
    }

    /**
     * The exact and Fisher-estimated L_KL of every unit, per kind whose exact losses of the largest set are measured, for the
     * scatter plot; a few seconds of estimates, so {@code --report-only} draws it too.
     */
    private Map<UnitKind, List<double[]>> lossesForPlot(Cifar10 train) throws IOException {
        Map<UnitKind, List<double[]>> points = new LinkedHashMap<>();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            int count = images.stream().max(Integer::compare).orElseThrow();
            for (UnitKind kind : kinds.stream().map(ScoringEstimatesExperiment::kind).toList()) {
                if (!exactMeasured(base, kind, train, count)) {
                    continue;
                }
                Cifar10 sample = train.randomSample(count, seed);
                AblationLosses exact = exact(base, kind, train, sample, null);
                AblationLosses fisher = AblationEngine.defaults().withEstimate(LossEstimate.FISHER).measure(base, kind, new Cifar10ScoringData(sample),
                        scoringBatchSize, ProgressListener.NONE);
                List<double[]> pairs = new ArrayList<>();
                for (int b = 0; b < exact.blocks(); b++) {
                    for (int u = 0; u < exact.kl(b).length; u++) {
                        pairs.add(new double[] {exact.kl(b)[u], fisher.kl(b)[u]});
                    }
                }
                points.put(kind, pairs);
            }
        }
        return points;
    }

    private static boolean agreed(ResultTable agreement, UnitKind kind, int count) {
        return List.of("taylor", "fisher").stream().allMatch(estimate -> QUANTITIES.keySet().stream()
                .allMatch(quantity -> agreement.has(kind.id(), count, estimate, quantity)));
    }

    /** Whether the estimates are timed; removing the time table's rows re-times them (and small exact sets) without redoing the rest. */
    private static boolean timed(ResultTable time, UnitKind kind, int count) {
        return List.of("taylor", "fisher").stream().allMatch(estimate -> time.has(kind.id(), count, estimate));
    }

    private boolean pruned(ResultTable top1, UnitKind kind) {
        return ratios.stream().allMatch(ratio -> CRITERIA.stream().allMatch(criterion -> SELECTORS.stream().allMatch(selector -> METHODS
                .stream().allMatch(method -> top1.has(kind.id(), criterion.id(), method, selector, String.format("%.2f", ratio))))));
    }

    private static UnitKind kind(String id) {
        UnitKind kind = UnitKind.fromId(id);
        if (!AblationEngine.KINDS.contains(kind)) {
            throw new InvalidInputException("--kinds: " + id + ": expected some of attention-channel, attention-head, mlp-unit");
        }
        return kind;
    }

    private static String format(double value) {
        return String.format("%.4f", value);
    }

    private static Map<String, Function<AblationLosses, UnitScores>> quantities() {
        Map<String, Function<AblationLosses, UnitScores>> quantities = new LinkedHashMap<>();
        quantities.put("L_CE", losses -> losses.kdImportance(0, CeTarget.LABELS));
        quantities.put("L_KL", AblationLosses::klImportance);
        for (Criterion criterion : CRITERIA) {
            quantities.put(criterion.id(), losses -> criterion.score(losses, "global"));
        }
        return quantities;
    }
}
