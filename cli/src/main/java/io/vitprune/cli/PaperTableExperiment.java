package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.experiment.ResultTable;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.stability.StabilityScores;
import io.vitprune.strategies.stability.Scope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The seed paper's experiment (methods.md section 5): weight magnitude, KD importance and
 * regression stability, each under uniform and global selection, at 30-70% of the attention
 * channels, on the full test split; the score-based methods over several scoring-set seeds.
 *
 * <p>The ablation losses of one scoring set are measured once and serve both KD importance and
 * both stability scopes (they are the same measurement; measuring it three times would triple the
 * dominant cost), and they are saved per seed, so a rerun resumes after the last finished
 * measurement and skips every finished cell of the result table.
 */
@Command(name = "paper-table", description = "The seed paper's Table 1 on the reference model, over scoring-set seeds (resumable).")
final class PaperTableExperiment implements Callable<Integer> {
    static final List<String> COLUMNS = List.of("method", "selector", "seed", "ratio", "top1", "parameters", "macs_per_image", "weights_bytes");

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.4,0.5,0.6,0.7") List<Double> ratios;
    @Option(names = "--seeds", split = ",", defaultValue = "0,1,2", description = "Scoring-set seeds.") List<Long> seeds;
    @Option(names = "--scoring-images", defaultValue = "1000") int scoringImages;
    @Option(names = "--scoring-batch-size", defaultValue = "50") int scoringBatchSize;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/paper-table", description = "Saved ablation losses.") Path work;
    @Option(names = "--out", defaultValue = "docs/results/paper-table", description = "Writes <out>.csv, <out>.md and <out>.png.") Path out;
    @Option(names = "--paper", defaultValue = "../shared/reference/kawai-yoshida-tables.md", description = "The paper's published tables.") Path paper;

    @Override
    public Integer call() throws Exception {
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        Cifar10 train = data.load(Cifar10.Split.TRAIN, null);
        ResultTable table = new ResultTable(Path.of(out + ".csv"), COLUMNS, 4);
        StrategyRegistry registry = StrategyRegistry.load();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            Cells cells = new Cells(table, registry, base, test, manager);
            AblationCache ablations = new AblationCache(work, train, scoringImages, scoringBatchSize);
            cells.measure("none", "-", "-", 0, null);
            UnitScores weight = Pruning.score(base, registry.scorer("weight-l1").create(StrategySettings.EMPTY), UnitKind.ATTENTION_CHANNEL,
                    ScoringContext.dataFree(manager));
            for (double ratio : ratios) {
                cells.measure("weight-l1", "uniform", "-", ratio, weight);
                cells.measure("weight-l1", "global", "-", ratio, weight);
            }
            for (long seed : seeds) {
                if (cells.doneForSeed(seed, ratios)) {
                    continue;
                }
                AblationLosses losses = ablations.losses(base, UnitKind.ATTENTION_CHANNEL, seed);
                UnitScores kd = losses.kdImportance(1.0);
                UnitScores stabilityBlock = StabilityScores.of(losses, Scope.BLOCK);
                UnitScores stabilityGlobal = StabilityScores.of(losses, Scope.GLOBAL);
                for (double ratio : ratios) {
                    cells.measure("kd-importance", "uniform", String.valueOf(seed), ratio, kd);
                    cells.measure("kd-importance", "global", String.valueOf(seed), ratio, kd);
                    cells.measure("regression-stability", "uniform", String.valueOf(seed), ratio, stabilityBlock);
                    cells.measure("regression-stability", "global", String.valueOf(seed), ratio, stabilityGlobal);
                }
            }
        }
        PaperTableReport.write(table, ratios, paper, out, Invocation.of(spec), scoringImages, test.size());
        return 0;
    }

    /** Measures cells not yet in the table: plan, surgery, top-1, size. */
    private record Cells(ResultTable table, StrategyRegistry registry, VisionTransformer base, Cifar10 test, NDManager manager) {
        boolean doneForSeed(long seed, List<Double> ratios) {
            return ratios.stream().allMatch(ratio -> List.of("kd-importance", "regression-stability").stream()
                    .allMatch(method -> table.has(method, "uniform", seed, key(ratio)) && table.has(method, "global", seed, key(ratio))));
        }

        void measure(String method, String selector, String seed, double ratio, UnitScores scores) throws IOException {
            if (table.has(method, selector, seed, key(ratio))) {
                return;
            }
            VisionTransformer candidate = scores == null ? base : Surgery.apply(base, Pruning.select(base, scores,
                    registry.selector(selector).create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio)), manager);
            try {
                double top1 = Evaluation.top1(candidate, test, 250, null).top1();
                ModelStats stats = ModelStats.of(candidate);
                table.put(method, selector, seed, key(ratio), String.format("%.4f", top1), stats.parameters(), stats.macsPerImage(),
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
}
