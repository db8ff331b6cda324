package io.vitprune.experiments;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.io.WorkRecord;
import io.vitprune.core.latency.BudgetCorrection;
import io.vitprune.core.latency.LatencyCalibration;
import io.vitprune.core.latency.LatencyMeter;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.latency.LibtorchTimer;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.core.train.ProgressBar;
import io.vitprune.core.train.TrainingRun;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
 * Pruning to a latency budget against pruning by a ratio: the {@code latency} selector at budgets
 * of the unpruned model's latency at batch 1 and 32, and the {@code global} and {@code uniform}
 * selectors swept over ratios, all with one scorer on the same unit kinds ({@link LatencyPlanner});
 * each latency-selected plan is measured against the unpruned model and planned again while over
 * its budget ({@link BudgetCorrection}, {@code --corrections}).
 * Per model: its predicted latency (from a table calibrated in this run, or given), its latency
 * measured at both batches in one interleaved session per batch with the unpruned model
 * ({@link InterleavedTiming}), and top-1 on the test split, without and (with {@code --finetune})
 * after KD fine-tuning. The report ({@link LatencyReport}) compares each latency-selected model with
 * the baselines' fronts at its measured latency.
 *
 * <p>Resumable: the calibrated table and every pruned and fine-tuned model stay in {@code --work}
 * (which records the options that made them and refuses a run with others), every finished model is
 * a row of the CSV, and a timing session is redone whole when a model of it is missing its time. A
 * run from the published CSV and table with a new {@code --work} makes the pruned models it needs
 * again and refuses one that differs from its row.
 */
@Command(name = "latency", description = "The latency selector at budgets of the unpruned latency (batch 1 and 32) vs global and uniform "
        + "over ratios: measured vs predicted latency, top-1 without and with KD fine-tuning, fronts at equal measured latency (resumable).")
public final class LatencyExperiment implements Callable<Integer> {
    static final List<Integer> BATCHES = List.of(1, 32);
    static final String MISSING = "-";
    static final String TABLE_FILE = "latency-table.json";
    public static final List<String> COLUMNS = List.of("selector", "target", "plan_batch", "planned_budget", "planning_measured", "note", "heads",
            "attention_channels", "mlp_units", "parameters", "macs_per_image", "predicted_ms_b1", "predicted_ms_b32", "ms_b1", "ms_q1_b1", "ms_q3_b1", "ms_b32", "ms_q1_b32", "ms_q3_b32",
            "top1", "top1_ft", "finetune_seconds");
    /** The columns a pruned model's shapes and the table determine. */
    private static final List<String> DESCRIPTION = List.of("note", "heads", "attention_channels", "mlp_units", "parameters", "macs_per_image",
            "predicted_ms_b1", "predicted_ms_b32");

    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--scorer", defaultValue = "weight-l1", description = "Data-free scorer of every plan.") String scorer;
    @Option(names = "--kinds", split = ",", defaultValue = "attention-channel,mlp-unit", description = "Unit kinds every plan prunes.")
    List<String> kindIds;
    @Option(names = "--budgets", split = ",", defaultValue = "0.5,0.6,0.7,0.8,0.9",
            description = "Latency budgets as fractions of the unpruned model's latency, at each batch.") List<Double> budgets;
    @Option(names = "--baselines", split = ",", defaultValue = "global,uniform") List<String> baselines;
    @Option(names = "--ratios", split = ",", defaultValue = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9",
            description = "Fractions of every kind's units the baselines remove.") List<Double> ratios;
    @Option(names = "--head-aligned", description = "Baselines remove the same number of channels from every head (the selectors' head-aligned).")
    boolean headAligned;
    @Option(names = "--step", defaultValue = "8", description = "The latency selector's width step, and the calibration's.") int step;
    @Option(names = "--max-block-ratio", defaultValue = "0.9", description = "The most of a block's units the latency selector may remove.")
    double maxBlockRatio;
    @Option(names = "--corrections", defaultValue = "3", description = "Times each latency-selected plan against the unpruned model at its "
            + "batch and, while it is over its budget, plans again at a budget tightened by the factor it was measured over its prediction, up "
            + "to this many times (0: the table's plan, measured once).") int corrections;
    @Option(names = "--table", description = "A latency table from 'vitprune calibrate --batch 1,32' (default: calibrated in this run, kept in --work).")
    Path table;
    @Option(names = "--timing-warmups", defaultValue = "5", description = "Untimed rounds of every model before the timed ones.") int timingWarmups;
    @Option(names = "--timing-rounds", defaultValue = "41", description = "Timed rounds, every model once per round in a shuffled order.")
    int timingRounds;
    @Option(names = "--retime", split = ",", description = "Batches whose timing session is done again, every model of it (after a session "
            + "whose interquartile ranges say the machine was disturbed).") List<Integer> retime = List.of();
    @Option(names = "--finetune", description = "Also KD fine-tune every latency-selected model and the baselines at --finetune-ratios.")
    boolean finetune;
    @Option(names = "--finetune-ratios", split = ",", defaultValue = "0.1,0.3,0.5,0.7,0.9",
            description = "The baseline ratios fine-tuned (a subset of --ratios).") List<Double> finetuneRatios;
    @Option(names = "--finetune-epochs", defaultValue = "1") int finetuneEpochs;
    @Option(names = "--lr", defaultValue = "2e-4", description = "Fine-tuning peak learning rate.") double learningRate;
    @Option(names = "--beta", defaultValue = "1.0", description = "Weight of the KD term in fine-tuning.") double beta;
    @Option(names = "--temperature", defaultValue = "1.0") double temperature;
    @Option(names = "--seed", defaultValue = "42", description = "Fine-tuning seed; also orders the timing rounds.") long seed;
    @Option(names = "--train-limit", description = "Fine-tune on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/latency", description = "The calibrated table, pruned and fine-tuned models, "
            + "fine-tune checkpoints.") Path work;
    @Option(names = "--out", defaultValue = "target/results/latency", description = "Writes <out>.csv, <out>.md, <out>-b1.png and <out>-b32.png "
            + "(top-1 vs measured latency; publishing: --out docs/results/latency).") Path out;

    private Cifar10 train;

    @Override
    public Integer call() throws Exception {
        List<UnitKind> kinds = checkOptions();
        OutputGuard guard = OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work);
        if (table != null) {
            guard.input("--table", table);
        }
        guard.files("--out", out, ".csv", ".md", "-b1.png", "-b32.png").verify();
        VitConfig config = ModelStore.readManifest(model).config();
        LatencyTable given = table == null ? null : checked(LatencyTable.read(table), config, "--table " + table);
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        CellOptions options = new CellOptions().model("model", model).data("test", test).command(spec, Set.of("--model", "--data", "--budgets",
                "--baselines", "--ratios", "--finetune", "--finetune-ratios", "--table", "--test-limit", "--work", "--out", "--retime"))
                .put("threads", EngineDefaults.threads());
        WorkRecord record = WorkRecord.check(work, Map.of("options", options.toString(), "table",
                table == null ? "calibrated in the work directory" : ModelStore.sha256(Files.readAllBytes(table))));
        Files.createDirectories(work);
        record.write();
        Path tableFile = table != null ? table : work.resolve(TABLE_FILE);
        LatencyTable latencyTable = given != null ? given : calibrated(config, tableFile);
        options.put("table", ModelStore.sha256(Files.readAllBytes(tableFile)).substring(0, 12));
        ResultTable results = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 3, options.toString());
        List<LatencyCell> cells = cells();
        LatencyReport report = new LatencyReport(results, cells, out, latencyTable, table == null ? "calibrated in this run (`" + tableFile + "`)"
                : "given (`" + tableFile + "`)", new LatencyReport.Setup(model, scorer, kinds, budgets, baselines, headAligned, step, maxBlockRatio,
                corrections, timingWarmups, timingRounds, finetune ? finetuneDescription() : null, finetuneRatios, test.size()));
        LatencyPlanner planner = new LatencyPlanner(registry, scorer, kinds);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            Pruning pruning = new Pruning(planner, latencyTable, tableFile, base);
            buildAndEvaluate(results, cells, pruning, test, manager);
            for (int batch : BATCHES) {
                time(results, cells, pruning, batch, manager);
            }
            report.write(spec);
            if (finetune) {
                finetuneAll(results, cells, pruning, test, report, manager);
            }
        }
        report.write(spec);
        return 0;
    }

    private List<UnitKind> checkOptions() {
        for (double budget : budgets) {
            if (!(budget > 0 && budget < 1)) {
                throw new InvalidInputException("--budgets " + budgets + ": expected fractions in (0, 1) of the unpruned latency");
            }
        }
        List<UnitKind> kinds = kindIds.stream().map(UnitKind::fromId).distinct().toList();
        for (UnitKind kind : kinds) {
            if (kind == UnitKind.TOKEN) {
                throw new InvalidInputException("--kinds " + kindIds + ": expected attention-channel, attention-head or mlp-unit (tokens are not "
                        + "selected by latency)");
            }
            if (!registry.scorer(scorer).supportedKinds().contains(kind)) {
                throw new InvalidInputException("--scorer " + scorer + " does not score " + kind.id() + " units: expected a scorer of every --kinds");
            }
        }
        if (ratios.stream().anyMatch(ratio -> !(ratio > 0 && ratio < 1)) || !(maxBlockRatio > 0 && maxBlockRatio < 1)) {
            throw new InvalidInputException("--ratios " + ratios + " and --max-block-ratio " + maxBlockRatio + ": expected fractions in (0, 1) of "
                    + "the units");
        }
        if (finetune && !ratios.containsAll(finetuneRatios)) {
            throw new InvalidInputException("--finetune-ratios " + finetuneRatios + ": expected a subset of --ratios " + ratios);
        }
        if (step < 1 || timingWarmups < 0 || timingRounds < 1 || finetuneEpochs < 1 || corrections < 0) {
            throw new InvalidInputException(String.format(Locale.ROOT, "--step %d, --timing-warmups %d, --timing-rounds %d, --finetune-epochs %d, "
                    + "--corrections %d: expected >= 1, >= 0, >= 1, >= 1 and >= 0", step, timingWarmups, timingRounds, finetuneEpochs, corrections));
        }
        if (!BATCHES.containsAll(retime)) {
            throw new InvalidInputException("--retime " + retime + ": expected batches of this experiment, " + BATCHES);
        }
        if (baselines.contains(LatencyPlanner.LATENCY) || baselines.contains(LatencyCell.NONE)) {
            throw new InvalidInputException("--baselines " + baselines + ": expected ratio selectors such as global and uniform (the latency "
                    + "selector is what they are compared with)");
        }
        registry.selector(LatencyPlanner.LATENCY);
        baselines.forEach(registry::selector);
        return kinds;
    }

    /** The table fits the model, runtime and batches of this experiment, or fails naming {@code what}. */
    private static LatencyTable checked(LatencyTable latencyTable, VitConfig config, String what) {
        try {
            latencyTable.requireModel(config);
            latencyTable.requireRuntime(LatencyTable.LIBTORCH);
            BATCHES.forEach(latencyTable::batch);
            if (latencyTable.threads() != EngineDefaults.threads()) {
                throw new InvalidInputException("it was measured with " + latencyTable.threads() + " libtorch threads: this run has "
                        + EngineDefaults.threads() + " (-Dai.djl.pytorch.num_threads), expected the same, or the prediction is of another setting");
            }
        } catch (InvalidInputException e) {
            throw new InvalidInputException(what + ": " + e.getMessage(), e);
        }
        return latencyTable;
    }

    /**
     * The table in the work directory; measured first when a run has not yet done so, and refused
     * then if the work directory holds models the latency selector planned with an earlier table.
     */
    private LatencyTable calibrated(VitConfig config, Path file) throws IOException {
        if (Files.exists(file)) {
            System.err.println("reusing the latency table " + file);
            return checked(LatencyTable.read(file), config, "latency table " + file);
        }
        try (Stream<Path> entries = Files.list(work)) {
            List<String> planned = entries.map(entry -> entry.getFileName().toString()).filter(name -> name.startsWith(LatencyCell.LATENCY_PREFIX))
                    .sorted().toList();
            if (!planned.isEmpty()) {
                throw new InvalidInputException("--work " + work + " holds models the latency selector planned with a table that is no longer there "
                        + planned + ": expected a new --work, or " + file + " back");
            }
        }
        LatencyCalibration calibration = new LatencyCalibration(config, new LatencyCalibration.Options(BATCHES, step, 8, 2, 5, 9));
        LatencyTable measured;
        try (LibtorchTimer timer = new LibtorchTimer(config, seed); ProgressBar progress = new ProgressBar(System.err, "calibrate", calibration.points(timer))) {
            measured = calibration.run(timer, progress);
        }
        measured.write(file);
        System.out.println("calibrated " + file);
        return measured;
    }

    private List<LatencyCell> cells() {
        List<LatencyCell> cells = new ArrayList<>();
        cells.add(LatencyCell.unpruned());
        for (int batch : BATCHES) {
            budgets.forEach(budget -> cells.add(LatencyCell.latency(budget, batch)));
        }
        for (String selector : baselines) {
            ratios.forEach(ratio -> cells.add(LatencyCell.baseline(selector, ratio)));
        }
        return cells;
    }

    /** Every model not yet in the table: made (or found in --work), described and evaluated; an unreachable budget is a row with a note. */
    private void buildAndEvaluate(ResultTable results, List<LatencyCell> cells, Pruning pruning, Cifar10 test, NDManager manager)
            throws IOException {
        List<LatencyCell> missing = cells.stream().filter(cell -> !results.has(cell.key())).toList();
        try (ProgressBar progress = new ProgressBar(System.err, "latency: models", missing.size())) {
            for (int i = 0; i < missing.size(); i++) {
                LatencyCell cell = missing.get(i);
                try (NDManager scope = manager.newSubManager()) {
                    Map<String, String> row = emptyRow(cell);
                    VisionTransformer candidate = cell.isUnpruned() ? pruning.base() : savedOrMade(cell, pruning, row, scope);
                    if (candidate != null) {
                        describe(row, candidate, pruning.table());
                        row.put("top1", String.format(Locale.ROOT, "%.4f", Evaluation.top1(candidate, test, 250, System.err).top1()));
                    }
                    put(results, row);
                    System.out.println(cell + ": " + (candidate == null ? row.get("note") : "top-1 " + row.get("top1") + ", predicted ms at batch 1 / 32 "
                            + row.get("predicted_ms_b1") + " / " + row.get("predicted_ms_b32")));
                }
                progress.update(i + 1, cell.toString());
            }
        }
    }

    /** The cell's pruned model, loaded from --work or made and saved there; null, with the note in the row, when its budget is unreachable. */
    private VisionTransformer savedOrMade(LatencyCell cell, Pruning pruning, Map<String, String> row, NDManager scope) throws IOException {
        Path directory = prunedDirectory(cell);
        if (Files.exists(directory.resolve(ModelStore.MANIFEST))) {
            return ModelStore.load(directory, scope);
        }
        VisionTransformer smaller = made(cell, pruning, null, row, scope);
        if (smaller != null) {
            ModelStore.save(smaller, directory);
        }
        return smaller;
    }

    /**
     * The cell's pruned model, made anew; null, with the note in the row, when its budget is
     * unreachable. A latency-selected model is planned at {@code plannedAt} when its row gives it,
     * else corrected by measurement ({@link BudgetCorrection}) and the budget it was planned at
     * recorded in the row.
     */
    private VisionTransformer made(LatencyCell cell, Pruning pruning, Double plannedAt, Map<String, String> row, NDManager scope) {
        if (!cell.isLatency()) {
            StrategySettings settings = headAligned ? StrategySettings.of("head-aligned", "true") : StrategySettings.EMPTY;
            return Surgery.apply(pruning.base(), pruning.planner().baseline(pruning.base(), cell.selector(), settings, cell.target(), scope), scope);
        }
        LatencyModel predicted = LatencyModel.of(pruning.table(), cell.planBatch());
        BudgetCorrection.Planner<VisionTransformer> planner = budget -> pruning.planner().latency(pruning.base(), pruning.tableFile(), predicted,
                budget, step, maxBlockRatio, scope);
        try {
            if (plannedAt != null) {
                row.put("planned_budget", String.valueOf(plannedAt));
                return planner.plan(plannedAt);
            }
            ModelStructure unpruned = pruning.base().structure();
            try (LibtorchTimer timer = new LibtorchTimer(pruning.base().config(), seed)) {
                LatencyMeter meter = LatencyMeter.of(timer, unpruned, cell.planBatch());
                BudgetCorrection.Outcome<VisionTransformer> outcome = BudgetCorrection.meet(cell.target(), corrections, planner,
                        model -> predicted.modelMs(model.structure()) / predicted.modelMs(unpruned), model -> meter.measure(model.structure()).fraction(),
                        VisionTransformer::close);
                row.put("planned_budget", String.valueOf(outcome.last().plannedAt()));
                row.put("planning_measured", String.format(Locale.ROOT, "%.4f", outcome.last().measured()));
                System.out.println(cell + ": " + outcome.describe());
                return outcome.plan();
            }
        } catch (InvalidInputException e) {
            row.put("note", "unreachable: " + e.getMessage().replace(',', ';').replace('\n', ' '));
            return null;
        }
    }

    /**
     * The directory of a model the CSV already describes. A work directory without it (a resume from
     * the published CSV and table) gets it remade, and refused if it comes out other than its row.
     */
    private Path prunedOfRow(ResultTable results, LatencyCell cell, Pruning pruning, NDManager manager) throws IOException {
        Path directory = prunedDirectory(cell);
        if (Files.exists(directory.resolve(ModelStore.MANIFEST))) {
            return directory;
        }
        try (NDManager scope = manager.newSubManager()) {
            Map<String, String> row = results.row(cell.key());
            Map<String, String> remade = emptyRow(cell);
            VisionTransformer smaller = made(cell, pruning, row.get("planned_budget").equals(MISSING) ? null
                    : Double.valueOf(row.get("planned_budget")), remade, scope);
            if (smaller != null) {
                describe(remade, smaller, pruning.table());
            }
            List<String> differing = DESCRIPTION.stream().filter(column -> !remade.get(column).equals(row.get(column)))
                    .map(column -> column + " " + row.get(column) + " in the CSV, " + remade.get(column) + " remade").toList();
            if (!differing.isEmpty()) {
                throw new InvalidInputException(cell + ": --work " + work + " lacks its pruned model, and the one made again differs from the CSV's "
                        + "row (" + String.join("; ", differing) + "): expected the CSV of this model, scorer and table, or the work directory that "
                        + "made it");
            }
            ModelStore.save(smaller, directory);
            System.err.println("made again (not in --work): the pruned model of " + cell);
        }
        return directory;
    }

    private static void describe(Map<String, String> row, VisionTransformer candidate, LatencyTable latencyTable) {
        var structure = candidate.structure();
        ModelStats stats = ModelStats.of(candidate);
        row.put("heads", String.valueOf(structure.totalUnits(UnitKind.ATTENTION_HEAD)));
        row.put("attention_channels", String.valueOf(structure.totalUnits(UnitKind.ATTENTION_CHANNEL)));
        row.put("mlp_units", String.valueOf(structure.totalUnits(UnitKind.MLP_UNIT)));
        row.put("parameters", String.valueOf(stats.parameters()));
        row.put("macs_per_image", String.valueOf(stats.macsPerImage()));
        for (int batch : BATCHES) {
            row.put("predicted_ms_b" + batch, String.format(Locale.ROOT, "%.4f", LatencyModel.of(latencyTable, batch).modelMs(structure)));
        }
    }

    /**
     * Times every model of the cells at {@code batch} in one session, unless each already has its
     * time (and {@code --retime} does not name the batch): a model added later is never timed apart
     * from the ones it is compared with.
     */
    private void time(ResultTable results, List<LatencyCell> cells, Pruning pruning, int batch, NDManager manager) throws IOException {
        List<LatencyCell> timed = cells.stream().filter(cell -> results.row(cell.key()).get("note").equals(MISSING)).toList();
        if (!retime.contains(batch) && timed.stream().noneMatch(cell -> results.row(cell.key()).get("ms_b" + batch).equals(MISSING))) {
            System.err.println("done already: timing at batch " + batch);
            return;
        }
        // At batch 1 a call runs several forward passes, so that each timed call is long against the clock's and the scheduler's granularity.
        int passes = Math.max(1, 32 / batch);
        try (NDManager scope = manager.newSubManager();
             ProgressBar progress = new ProgressBar(System.err, "latency: timing at batch " + batch, timingWarmups + timingRounds)) {
            int size = pruning.base().config().imageSize();
            NDArray images = scope.create(LibtorchTimer.random((long) batch * VitConfig.CHANNELS * size * size, seed),
                    new Shape(batch, VitConfig.CHANNELS, size, size));
            List<Runnable> calls = new ArrayList<>();
            for (LatencyCell cell : timed) {
                PrunableModel candidate = cell.isUnpruned() ? pruning.base() : ModelStore.load(prunedOfRow(results, cell, pruning, manager), scope);
                calls.add(() -> RuntimeTiming.forwardPasses(candidate, images, passes));
            }
            List<InterleavedTiming.Measured> measured = InterleavedTiming.measure(calls, timingWarmups, timingRounds, seed + batch, progress);
            for (int i = 0; i < timed.size(); i++) {
                Map<String, String> row = results.row(timed.get(i).key());
                InterleavedTiming.Measured ms = measured.get(i);
                row.put("ms_b" + batch, String.format(Locale.ROOT, "%.4f", ms.medianMs() / passes));
                row.put("ms_q1_b" + batch, String.format(Locale.ROOT, "%.4f", ms.q1Ms() / passes));
                row.put("ms_q3_b" + batch, String.format(Locale.ROOT, "%.4f", ms.q3Ms() / passes));
                put(results, row);
            }
        }
        System.out.println("timed " + timed.size() + " models at batch " + batch);
    }

    /** KD fine-tunes every latency-selected model and the baselines at --finetune-ratios that are not yet fine-tuned; the report after each. */
    private void finetuneAll(ResultTable results, List<LatencyCell> cells, Pruning pruning, Cifar10 test, LatencyReport report, NDManager manager)
            throws IOException {
        KdFinetune tuning = new KdFinetune(finetuneEpochs, learningRate, beta, temperature, seed);
        List<LatencyCell> due = cells.stream().filter(cell -> !cell.isUnpruned() && results.row(cell.key()).get("note").equals(MISSING))
                .filter(cell -> cell.isLatency() || finetuneRatios.contains(cell.target())).toList();
        // Fine-tunes an interrupted run finished (or another run left in --work) are read first, so that their rows appear at once.
        List<LatencyCell> missing = new ArrayList<>(due.stream().filter(cell -> results.row(cell.key()).get("top1_ft").equals(MISSING)).toList());
        Map<LatencyCell, Integer> trained = new HashMap<>();
        for (LatencyCell cell : missing) {
            trained.put(cell, TrainingRun.trainedEpochs(finetuneDirectory(cell)));
        }
        missing.sort(Comparator.comparing(cell -> trained.get(cell) < finetuneEpochs));
        due.stream().filter(cell -> !missing.contains(cell)).forEach(cell -> System.err.println("done already: fine-tune of " + cell));
        Map<LatencyCell, Path> pruned = new HashMap<>();
        for (LatencyCell cell : missing) {
            pruned.put(cell, prunedOfRow(results, cell, pruning, manager));
        }
        try (ProgressBar progress = new ProgressBar(System.err, "latency: fine-tunes", missing.size())) {
            for (int i = 0; i < missing.size(); i++) {
                LatencyCell cell = missing.get(i);
                if (train == null) {
                    train = data.load(Cifar10.Split.TRAIN, trainLimit);
                }
                KdFinetune.Result result = tuning.run(pruned.get(cell), pruning.base(), train, test, finetuneDirectory(cell), manager);
                Map<String, String> row = results.row(cell.key());
                row.put("top1_ft", String.format(Locale.ROOT, "%.4f", result.after()));
                row.put("finetune_seconds", String.format(Locale.ROOT, "%.0f", result.seconds()));
                put(results, row);
                System.out.printf("%s: top-1 %.2f%% -> %.2f%% after %d KD epoch(s)%n", cell, 100 * result.before(), 100 * result.after(), finetuneEpochs);
                progress.update(i + 1, cell.toString());
                report.write(spec);
            }
        }
    }

    private Path finetuneDirectory(LatencyCell cell) {
        return work.resolve(cell.directoryName()).resolve("finetune");
    }

    private Path prunedDirectory(LatencyCell cell) {
        return work.resolve(cell.directoryName()).resolve("pruned");
    }

    /** What remakes a cell's pruned model: the same planner, table and unpruned model each time. */
    private record Pruning(LatencyPlanner planner, LatencyTable table, Path tableFile, VisionTransformer base) {
    }

    private static Map<String, String> emptyRow(LatencyCell cell) {
        Map<String, String> row = new LinkedHashMap<>();
        COLUMNS.forEach(column -> row.put(column, MISSING));
        row.put("selector", cell.selector());
        row.put("target", cell.targetText());
        row.put("plan_batch", cell.planBatchText());
        return row;
    }

    private static void put(ResultTable results, Map<String, String> row) throws IOException {
        results.put(COLUMNS.stream().map(row::get).toArray());
    }

    private String finetuneDescription() {
        return String.format(Locale.ROOT, "%d epoch(s) of KD fine-tuning from the unpruned model (lr %.0e, beta %.1f, temperature %.1f, seed %d)",
                finetuneEpochs, learningRate, beta, temperature, seed);
    }
}
