package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.io.CheckpointDirectory;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.io.PlanCodec;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.reliability.SplitHalf;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.deploy.MeasuredLatencyPlan;
import io.vitprune.experiments.DataOption;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Scores, selects and physically removes units, or applies a saved plan. */
@Command(name = "prune", description = "Prune a model: score units, select by ratio, remove them physically, save.")
final class PruneCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "Model directory to prune.")
    Path model;

    @Option(names = "--out", required = true, description = "Directory for the pruned model.")
    Path out;

    @Option(names = "--scorer", defaultValue = "weight-l1", description = "Scorer name (see 'strategies').")
    String scorer;

    @Option(names = "--selector", defaultValue = "global", description = "Selector name.")
    String selector;

    @Option(names = "--kind", defaultValue = "attention-channel", description = "attention-channel, attention-head or mlp-unit.")
    String kind;

    @Option(names = "--ratio", description = "Fraction of the units to remove, in (0, 1); under a budget selector (latency) the most any one block loses.")
    Double ratio;

    @Option(names = "--plan", description = "Apply this plan (JSON) instead of scoring and selecting.")
    Path planIn;

    @Option(names = "--plan-out", description = "Also write the plan as JSON here.")
    Path planOut;

    @Option(names = "--scoring-work", description = "Where long scoring (kd-importance, regression-stability) keeps partial results, so that "
            + "the same command run again after a crash resumes (default: .<out name>.scoring beside --out; removed once the model is saved).")
    Path scoringWork;

    @Option(names = "--split-half", negatable = true, defaultValue = "true", fallbackValue = "true", description = "For a data-driven scorer, "
            + "also score the two halves of the scoring set and print the split-half rank correlation of their scores (flagged when low); "
            + "costs about one more scoring.")
    boolean splitHalf;

    @Option(names = "--latency-corrections", defaultValue = "3", description = "With --selector latency: time the pruned model against the "
            + "unpruned one on this machine and the table's runtime and, while it is over the budget, select again at a budget tightened by the "
            + "factor it was measured over its prediction, up to this many times; fails when still over (0: the table's plan, unmeasured).")
    int latencyCorrections;

    @Mixin
    StrategyOptions strategy;

    @Mixin
    DataOption data;

    @Override
    public Integer call() throws Exception {
        IgnoredOptions.refuse(spec, "--plan", "says what to remove", "--ratio", "--scorer", "--selector", "--kind", "--scorer-setting",
                "--selector-setting", "--scoring-images", "--images", "--scoring-seed", "--scoring-batch-size", "--scoring-work",
                "--latency-corrections");
        if (spec.commandLine().getParseResult().hasMatchedOption("--latency-corrections") && latencyTable() == null || latencyCorrections < 0) {
            throw new io.vitprune.api.InvalidInputException("--latency-corrections " + latencyCorrections + ": expected an integer >= 0 with "
                    + "--selector latency (it measures the latency selector's plan)");
        }
        OutputGuard.check().input("--model", model).input("--plan", planIn).input("--data", data.directory()).input("--images", strategy.images)
                .input("--scoring-work", scoringWork).input("--selector-setting table", latencyTable())
                .modelDirectory("--out", out).file("--plan-out", planOut).verify();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            PruningPlan plan;
            CheckpointDirectory checkpoints = null;
            String planSummary = null;
            if (planIn != null) {
                plan = PlanCodec.read(planIn);
            } else {
                if (ratio == null) {
                    throw new io.vitprune.api.InvalidInputException("--ratio is missing: expected a number in (0, 1), or --plan FILE");
                }
                PruningTarget target = new PruningTarget(UnitKind.fromId(kind), ratio);
                ScorerFactory scorerFactory = registry.scorer(scorer);
                var selectorInstance = registry.selector(selector).create(strategy.selector());
                LatencyTable table = latencyTable() == null ? null : LatencyTable.read(latencyTable());
                if (table != null) {
                    // The selector sees widths only; the table must also be of this model's token count and classes.
                    table.requireModel(loaded.config());
                }
                var scorerInstance = scorerFactory.create(strategy.scorer());
                checkpoints = CheckpointDirectory.open(scoringWork(), scoringJob(loaded));
                if (checkpoints.resumed()) {
                    System.err.println("resuming scoring from " + checkpoints.directory());
                }
                ScoringContext context = strategy.context(scorerFactory, data.directory(), loaded.config().preprocessing(), manager).withCheckpoints(checkpoints);
                UnitScores scores = Pruning.score(loaded, scorerInstance, target.kind(), context.forSelector(selectorInstance));
                plan = table != null && latencyCorrections > 0
                        ? MeasuredLatencyPlan.plan(registry, strategy.selectorSettings, table, loaded, scores, target, latencyCorrections)
                        : Pruning.select(loaded, scores, selectorInstance, target);
                planSummary = selectorInstance.describe(plan).orElse(null);
                if (splitHalf) {
                    SplitHalf.ifDataDriven(scorerFactory, scorerInstance, loaded, target.kind(), context.forSelector(selectorInstance))
                            .ifPresent(reliability -> System.out.println(reliability.summary()));
                }
            }
            try (VisionTransformer pruned = Surgery.apply(loaded, plan, manager)) {
                if (planOut != null) {
                    PlanCodec.write(planOut, plan);
                }
                ModelStore.save(pruned, out);
                if (checkpoints != null) {
                    checkpoints.delete();
                }
                ModelStats before = ModelStats.of(loaded);
                ModelStats after = ModelStats.of(pruned);
                System.out.printf("parameters %,d -> %,d (%.1f%%)%n", before.parameters(), after.parameters(),
                        100.0 * after.parameters() / before.parameters());
                System.out.printf("MACs/image %,d -> %,d (%.1f%%)%n", before.macsPerImage(), after.macsPerImage(),
                        100.0 * after.macsPerImage() / before.macsPerImage());
                if (planSummary != null) {
                    System.out.println(planSummary);
                }
                System.out.printf("saved size %,d -> %,d bytes%n", ModelStore.directorySize(model), ModelStore.directorySize(out));
                System.out.println("saved " + out);
            }
        }
        return 0;
    }

    /** The {@code latency} selector's {@code table} setting: a latency table ({@code vitprune calibrate}), an input of this command. */
    private Path latencyTable() {
        String table = "latency".equals(selector) ? strategy.selectorSettings.get("table") : null;
        return table == null ? null : Path.of(table);
    }

    private Path scoringWork() {
        if (scoringWork != null) {
            return scoringWork;
        }
        Path absolute = out.toAbsolutePath().normalize();
        return absolute.resolveSibling("." + absolute.getFileName() + ".scoring");
    }

    /** Everything the scores depend on: partial results of another job are never resumed. */
    private String scoringJob(VisionTransformer loaded) throws IOException {
        return String.join("\n", "model parameters SHA-256 " + ModelStore.parametersSha256(loaded),
                "scorer " + scorer + " with settings " + new TreeMap<>(strategy.scorerSettings), "unit kind " + kind,
                "scoring set of " + strategy.scoringImages + " images drawn with seed " + strategy.scoringSeed + " from "
                        + (strategy.images != null ? "image folder " + strategy.images.toAbsolutePath().normalize()
                        : data.directory().toAbsolutePath().normalize()) + ", in batches of " + strategy.scoringBatchSize) + "\n";
    }
}
