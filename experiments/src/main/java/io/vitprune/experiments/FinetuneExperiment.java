package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
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
import io.vitprune.core.train.Evaluation;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Prunes the reference model with one scorer and selector at several ratios and measures top-1 on
 * the full test split before and after KD fine-tuning. Every finished cell is kept in the CSV and
 * every fine-tune checkpoints per epoch, so a rerun continues where it stopped.
 */
@Command(name = "finetune", description = "Top-1 after pruning at several ratios, before and after KD fine-tuning (resumable).")
public final class FinetuneExperiment implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    public static final List<String> COLUMNS = List.of("scorer", "selector", "ratio", "epochs", "top1_before", "top1_after", "parameters",
            "macs_per_image", "finetune_seconds");

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--scorer", defaultValue = "weight-l1") String scorer;
    @Option(names = "--selector", defaultValue = "global") String selector;
    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.5,0.7") List<Double> ratios;
    @Option(names = "--epochs", defaultValue = "1") int epochs;
    @Option(names = "--lr", defaultValue = "2e-4") double learningRate;
    @Option(names = "--beta", defaultValue = "1.0") double beta;
    @Option(names = "--temperature", defaultValue = "1.0") double temperature;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--train-limit", description = "Fine-tune on the first N training images (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images (smoke runs).") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/finetune", description = "Pruned models and fine-tune checkpoints.") Path work;
    @Option(names = "--out", defaultValue = "target/results/finetune", description = "Writes <out>.csv and <out>.md.") Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work).files("--out", out, ".csv", ".md").verify();
        ratios.forEach(ratio -> new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio)); // before any pruning, not at the bad one
        Cifar10 train = data.load(Cifar10.Split.TRAIN, trainLimit);
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        String options = new CellOptions().model("model", model).data("train", train).data("test", test).command(spec, Set.of("--model", "--data",
                "--scorer", "--selector", "--ratios", "--epochs", "--train-limit", "--test-limit", "--work", "--out")).toString();
        ResultTable table = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 4, options);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            if (!table.has("none", "-", "0.00", 0)) {
                double top1 = Evaluation.top1(base, test, 250, System.err).top1();
                ModelStats stats = ModelStats.of(base);
                table.put("none", "-", "0.00", 0, format(top1), format(top1), stats.parameters(), stats.macsPerImage(), 0);
            }
            KdFinetune finetune = new KdFinetune(epochs, learningRate, beta, temperature, seed);
            for (double ratio : ratios) {
                String ratioKey = String.format("%.2f", ratio);
                if (table.has(scorer, selector, ratioKey, epochs)) {
                    System.err.println("done already: " + scorer + " " + selector + " " + ratioKey);
                    continue;
                }
                Path cell = work.resolve(scorer + "-" + selector + "-" + ratioKey);
                Path pruned = cell.resolve("pruned");
                if (!Files.exists(pruned.resolve(ModelStore.MANIFEST))) {
                    PruningPlan plan = Pruning.plan(base, registry.scorer(scorer).create(StrategySettings.EMPTY),
                            registry.selector(selector).create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio),
                            ScoringContext.dataFree(manager));
                    try (VisionTransformer smaller = Surgery.apply(base, plan, manager)) {
                        ModelStore.save(smaller, pruned);
                    }
                }
                KdFinetune.Result result = finetune.run(pruned, base, train, test, cell.resolve("finetune"), manager);
                table.put(scorer, selector, ratioKey, epochs, format(result.before()), format(result.after()), result.stats().parameters(),
                        result.stats().macsPerImage(), String.format("%.0f", result.seconds()));
                System.out.printf("%s %s %s: top-1 %.2f%% -> %.2f%% after %d epoch(s)%n", scorer, selector, ratioKey, 100 * result.before(),
                        100 * result.after(), epochs);
            }
        }
        writeMarkdown(table, train.size(), test.size());
        return 0;
    }

    private void writeMarkdown(ResultTable table, int trainImages, int testImages) throws IOException {
        StringBuilder md = new StringBuilder("# Top-1 after pruning, before and after KD fine-tuning\n\n")
                .append(String.format("Model `%s`; attention channels removed by `%s` + `%s`; fine-tuning: %d epoch(s) of CE + %.1f x KL(teacher || student), "
                        + "T = %.1f, the unpruned model as frozen teacher, AdamW lr %.0e with cosine decay, on %,d training images. Top-1 on %,d "
                        + "CIFAR-10 test images. Machine: %s. Date: %s.%n%n", model, scorer, selector, epochs, beta, temperature, learningRate,
                        trainImages, testImages, Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(Invocation.of(spec)).append("`.\n\n")
                .append(ReportNotes.cellOptions(table))
                .append("The last column is top-1 after fine-tuning minus the unpruned model's top-1, in points.\n\n")
                .append("| scorer | selector | removed | top-1 before | top-1 after | parameters | MACs / image | fine-tune s | after vs unpruned |\n")
                .append("|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
        double unpruned = table.rows().stream().filter(row -> row.get(0).equals("none")).mapToDouble(row -> Double.parseDouble(row.get(5)))
                .findFirst().orElse(Double.NaN);
        for (List<String> row : table.rows()) {
            double after = Double.parseDouble(row.get(5));
            md.append(String.format("| %s | %s | %.0f%% | %.2f%% | %.2f%% | %,d | %,d | %s | %+.2f |%n", row.get(0), row.get(1),
                    100 * Double.parseDouble(row.get(2)), 100 * Double.parseDouble(row.get(4)), 100 * after,
                    Long.parseLong(row.get(6)), Long.parseLong(row.get(7)), row.get(8), 100 * (after - unpruned)));
        }
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        System.out.println("wrote " + out + ".csv and " + out + ".md");
    }

    private static String format(double top1) {
        return String.format("%.4f", top1);
    }
}
