package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.reliability.SplitHalfReliability;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.strategies.distill.AblationLosses;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The seed paper's experiment (methods.md section 5): weight magnitude and the ablation criteria
 * ({@link Criterion#ALL}: KD importance at several alphas, its KL term alone, regression stability
 * with label and with teacher cross-entropy), each under uniform and global selection, at 30-70% of
 * the attention channels, on the full test split; the criteria over several scoring-set seeds.
 *
 * <p>The ablation losses of one scoring set are measured once and serve every criterion (they are
 * the same measurement; measuring it per criterion would multiply the dominant cost), as its two
 * halves: pooled they are the whole set's losses, and apart they give each criterion's split-half
 * reliability ({@code <out>-reliability.csv}). They are saved per seed and half, so a rerun resumes
 * after the last finished measurement and skips every finished cell of the result table.
 *
 * <p>Then each pruned model of the weight methods and of the scoring seeds in {@code --finetune-seeds}
 * is fine-tuned with KD for {@code --finetune-epochs} (the unpruned model as teacher) and measured
 * again. Fine-tuning costs about one training epoch per cell (minutes each on 2 cores, against
 * seconds for a cell without it), hence the default of one scoring seed; every fine-tune
 * checkpoints per epoch and every finished cell is kept, like the rest. Fine-tunes run in the order of
 * {@code --ratios}, all methods at a ratio together.
 */
@Command(name = "paper-table", description = "The seed paper's Table 1 on the reference model, over scoring-set seeds (resumable).")
public final class PaperTableExperiment implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    public static final List<String> COLUMNS = List.of("method", "selector", "seed", "ratio", "finetune_epochs", "top1", "parameters", "macs_per_image",
            "weights_bytes");
    static final List<String> RELIABILITY_COLUMNS = List.of("method", "selector", "seed", "half_images", "overall", "mean_per_block");
    static final List<String> SELECTORS = List.of("uniform", "global");

    /** Options that choose cells (or where files go), inputs identified apart, and speed-only ones. */
    private static final Set<String> NOT_IN_CELL_OPTIONS = Set.of("--model", "--data", "--ratios", "--seeds", "--scoring-batch-size",
            "--finetune-epochs", "--finetune-seeds", "--finetune-methods", "--test-limit", "--work", "--ablations", "--out", "--paper", "--report-only");

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.4,0.5,0.6,0.7") List<Double> ratios;
    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", description = "Scoring-set seeds.") List<Long> seeds;
    @Option(names = "--scoring-images", defaultValue = "1000") int scoringImages;
    @Option(names = "--scoring-batch-size", defaultValue = "50",
            description = "Images per forward pass of the scoring set (ablations stack several units per pass as memory allows).") int scoringBatchSize;
    @Option(names = "--finetune-epochs", defaultValue = "1", description = "KD fine-tuning of each pruned model (0: none).") int finetuneEpochs;
    @Option(names = "--finetune-seeds", split = ",", defaultValue = "0", description = "Scoring seeds whose pruned models are fine-tuned "
            + "(the weight methods' always are).") List<Long> finetuneSeeds;
    @Option(names = "--finetune-methods", split = ",", defaultValue = "weight-l1,kd-importance:alpha=1,kd-importance:alpha=10,"
            + "kl-importance,regression-stability:ce-target=labels,regression-stability:ce-target=teacher", description = "Methods whose pruned models are fine-tuned.") List<String> finetuneMethods;
    @Option(names = "--finetune-lr", defaultValue = "2e-4") double finetuneLearningRate;
    @Option(names = "--beta", defaultValue = "1.0", description = "Weight of the KL term of fine-tuning.") double beta;
    @Option(names = "--temperature", defaultValue = "1.0", description = "Temperature of the KL term of fine-tuning.") double temperature;
    @Option(names = "--train-limit", description = "Fine-tune on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/paper-table", description = "Pruned models and fine-tune checkpoints.")
    Path work;
    @Option(names = "--ablations", defaultValue = AblationCache.DEFAULT_DIRECTORY, description = "Ablation losses, shared with other experiments.")
    Path ablationDirectory;
    @Option(names = "--out", defaultValue = "target/results/paper-table", description = "Writes <out>.csv, <out>.md and <out>.png.") Path out;
    @Option(names = "--paper", defaultValue = "../shared/reference/kawai-yoshida-tables.md",
            description = "The paper's published tables.") Path paper;
    @Option(names = "--report-only", description = "Write the report from the cells finished so far and run nothing (e.g. while fine-tunes "
            + "remain).") boolean reportOnly;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work).input("--ablations", ablationDirectory)
                .input("--paper", paper).files("--out", out, ".csv", ".md", ".png").verify();
        ratios.forEach(ratio -> new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio)); // before any scoring, not at the bad one
        List<String> methods = Stream.concat(Stream.of("weight-l1"), Criterion.ALL.stream().map(Criterion::id)).toList();
        finetuneMethods.stream().filter(method -> !methods.contains(method)).findFirst().ifPresent(method -> {
            throw new InvalidInputException("--finetune-methods: unknown method '" + method + "': expected some of " + String.join(", ", methods));
        });
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        Cifar10 train = data.load(Cifar10.Split.TRAIN, null);
        String scoringOptions = new CellOptions().model("model", model).data("train", train).put("scoring-images", scoringImages).toString();
        String cellOptions = new CellOptions().model("model", model).data("train", train).data("test", test).command(spec, NOT_IN_CELL_OPTIONS)
                .toString();
        Path csv = Path.of(out + ".csv");
        if (reportOnly && !Files.exists(csv)) {
            throw new InvalidInputException("--report-only: no result table " + csv + ": expected the CSV of an earlier run");
        }
        ResultTable table = requireKnownMethods(ResultTable.keyedByOptions(csv, COLUMNS, 5, cellOptions), csv, methods);
        ResultTable reliability = ResultTable.keyedByOptions(Path.of(out + "-reliability.csv"), RELIABILITY_COLUMNS, 3, scoringOptions);
        if (reportOnly) {
            requireCells(table);
            writeReport(table, reliability, test.size());
            return 0;
        }
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            Cells cells = new Cells(table, registry, base, test, manager);
            AblationCache ablations = new AblationCache(ablationDirectory, train, scoringImages, scoringBatchSize);
            cells.measure("none", "-", "-", 0, null);
            UnitScores weight = Pruning.score(base, registry.scorer("weight-l1").create(StrategySettings.EMPTY), UnitKind.ATTENTION_CHANNEL,
                    ScoringContext.dataFree(manager));
            for (double ratio : ratios) {
                for (String selector : SELECTORS) {
                    cells.measure("weight-l1", selector, "-", ratio, weight);
                }
            }
            for (long seed : seeds) {
                if (!cells.doneForSeed(seed, ratios) || !reliable(reliability, seed)) {
                    AblationCache.Halves halves = ablations.halves(base, UnitKind.ATTENTION_CHANNEL, seed);
                    recordReliability(reliability, seed, halves);
                    Map<String, UnitScores> scored = scoresOf(halves.whole());
                    for (double ratio : ratios) {
                        for (String method : scored.keySet()) {
                            cells.measure(method.split(" ")[0], method.split(" ")[1], String.valueOf(seed), ratio, scored.get(method));
                        }
                    }
                }
            }
            if (finetuneEpochs > 0) {
                Cifar10 finetuneSet = trainLimit == null ? train : data.load(Cifar10.Split.TRAIN, trainLimit);
                Tuning tuning = new Tuning(cells, new KdFinetune(finetuneEpochs, finetuneLearningRate, beta, temperature, 42), finetuneSet,
                        work.resolve("finetune"));
                Map<Long, Map<String, UnitScores>> scoredBySeed = new LinkedHashMap<>();
                for (long seed : finetuneSeeds) {
                    scoredBySeed.put(seed, scoresOf(ablations.halves(base, UnitKind.ATTENTION_CHANNEL, seed).whole()));
                }
                // Ratio by ratio, every method at one ratio before the next: a run cut short leaves
                // whole columns that compare the methods, not one method at every ratio.
                for (double ratio : ratios) {
                    if (finetuneMethods.contains("weight-l1")) {
                        for (String selector : SELECTORS) {
                            tuning.finetune("weight-l1", selector, "-", ratio, weight);
                        }
                    }
                    for (Map.Entry<Long, Map<String, UnitScores>> scored : scoredBySeed.entrySet()) {
                        for (Map.Entry<String, UnitScores> method : scored.getValue().entrySet()) {
                            String[] name = method.getKey().split(" ");
                            if (finetuneMethods.contains(name[0])) {
                                tuning.finetune(name[0], name[1], String.valueOf(scored.getKey()), ratio, method.getValue());
                            }
                        }
                    }
                }
            }
        }
        writeReport(table, reliability, test.size());
        return 0;
    }

    /** A report-only run names the options it was asked for when the table holds no cell of them, rather than writing an empty report. */
    private static void requireCells(ResultTable table) {
        if (table.row("none", "-", "-", "0.00", "0") == null) {
            throw new InvalidInputException("--report-only: " + table.file() + " holds no cells made with this run's inputs and options ("
                    + table.options().orElseThrow() + ")" + (table.otherOptions().isEmpty() ? "" : "; it holds cells of: "
                    + String.join(" | ", table.otherOptions())) + ": expected the options of the run that made it");
        }
    }

    private void writeReport(ResultTable table, ResultTable reliability, int testImages) throws IOException {
        PaperTableReport.write(table, reliability, ratios.stream().sorted().toList(),
                finetuneMethods, paper, out, Invocation.of(spec, Set.of("--report-only")), scoringImages, testImages);
    }

    /**
     * The table, after checking that each of its rows is of a method this version computes: rows
     * of another (an earlier version's name, whose settings may have been other) are refused
     * rather than resumed as if they were today's.
     */
    private static ResultTable requireKnownMethods(ResultTable table, Path csv, List<String> methods) {
        table.rows().stream().map(row -> row.get(0)).filter(method -> !method.equals("none") && !methods.contains(method)).findFirst()
                .ifPresent(method -> {
                    throw new InvalidInputException(csv + ": rows of method '" + method + "', which this version does not compute (a name of "
                            + "an earlier version?): expected only none, " + String.join(", ", methods) + "; rename the rows or choose another --out");
                });
        return table;
    }

    /** Every criterion's scores from one ablation measurement, keyed "method selector". */
    private static Map<String, UnitScores> scoresOf(AblationLosses losses) {
        Map<String, UnitScores> scores = new LinkedHashMap<>();
        for (Criterion criterion : Criterion.ALL) {
            for (String selector : SELECTORS) {
                scores.put(criterion.id() + " " + selector, criterion.score(losses, selector));
            }
        }
        return scores;
    }

    private static boolean reliable(ResultTable reliability, long seed) {
        return Criterion.ALL.stream().allMatch(criterion -> SELECTORS.stream().allMatch(selector -> reliability.has(criterion.id(), selector, seed)));
    }

    /** Each criterion's split-half reliability from the seed's two halves (rank correlation of the scores each half gives). */
    private static void recordReliability(ResultTable reliability, long seed, AblationCache.Halves halves) throws IOException {
        for (Criterion criterion : Criterion.ALL) {
            for (String selector : SELECTORS) {
                if (!reliability.has(criterion.id(), selector, seed)) {
                    SplitHalfReliability figure = SplitHalfReliability.of(criterion.score(halves.first(), selector),
                            criterion.score(halves.second(), selector), Math.min(halves.first().images(), halves.second().images()));
                    reliability.put(criterion.id(), selector, seed, figure.halfImages(), String.format("%.4f", figure.overall()),
                            String.format("%.4f", figure.meanPerBlock()));
                }
            }
        }
    }

    /** Measures cells not yet in the table: plan, surgery, top-1, size. */
    private record Cells(ResultTable table, StrategyRegistry registry, VisionTransformer base, Cifar10 test, NDManager manager) {
        boolean doneForSeed(long seed, List<Double> ratios) {
            return ratios.stream().allMatch(ratio -> Criterion.ALL.stream()
                    .allMatch(criterion -> SELECTORS.stream().allMatch(selector -> table.has(criterion.id(), selector, seed, key(ratio), 0))));
        }

        VisionTransformer prune(String selector, double ratio, UnitScores scores) {
            return Surgery.apply(base, Pruning.select(base, scores, registry.selector(selector).create(StrategySettings.EMPTY),
                    new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio)), manager);
        }

        void measure(String method, String selector, String seed, double ratio, UnitScores scores) throws IOException {
            if (table.has(method, selector, seed, key(ratio), 0)) {
                return;
            }
            VisionTransformer candidate = scores == null ? base : prune(selector, ratio, scores);
            try {
                double top1 = Evaluation.top1(candidate, test, 250, null).top1();
                ModelStats stats = ModelStats.of(candidate);
                table.put(method, selector, seed, key(ratio), 0, String.format("%.4f", top1), stats.parameters(), stats.macsPerImage(),
                        ModelStore.encodeParameters(candidate).length);
                System.out.printf("%-21s %-8s seed %-2s %3.0f%%  top-1 %6.2f%%%n", method, selector, seed, 100 * ratio, 100 * top1);
            } finally {
                if (candidate != base) {
                    candidate.close();
                }
            }
        }

        static String key(double ratio) {
            return String.format("%.2f", ratio);
        }
    }

    /** Fine-tunes the pruned model of a cell (saved in {@code work} first, so that a killed fine-tune resumes) and records its top-1. */
    private record Tuning(Cells cells, KdFinetune finetune, Cifar10 train, Path work) {
        void finetune(String method, String selector, String seed, double ratio, UnitScores scores) throws IOException {
            ResultTable table = cells.table();
            if (table.has(method, selector, seed, Cells.key(ratio), finetune.epochs())) {
                return;
            }
            Path cell = work.resolve(String.join("-", method, selector, seed.equals("-") ? "data-free" : "seed-" + seed, Cells.key(ratio)));
            Path pruned = cell.resolve("pruned");
            if (!Files.exists(pruned.resolve(ModelStore.MANIFEST))) {
                try (VisionTransformer smaller = cells.prune(selector, ratio, scores)) {
                    ModelStore.save(smaller, pruned);
                }
            }
            System.err.printf("fine-tuning %s %s seed %s %.0f%% (%d epoch(s))%n", method, selector, seed, 100 * ratio, finetune.epochs());
            KdFinetune.Result result = finetune.run(pruned, cells.base(), train, cells.test(), cell.resolve("checkpoints"), cells.manager());
            table.put(method, selector, seed, Cells.key(ratio), finetune.epochs(), String.format("%.4f", result.after()), result.stats().parameters(),
                    result.stats().macsPerImage(), Files.size(pruned.resolve(ModelStore.PARAMETERS)));
            System.out.printf("%-21s %-8s seed %-2s %3.0f%%  top-1 %6.2f%% -> %6.2f%% after fine-tuning%n", method, selector, seed, 100 * ratio,
                    100 * result.before(), 100 * result.after());
        }
    }
}
