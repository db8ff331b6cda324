package io.vitprune.experiments;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Machine;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Evaluation;
import io.vitprune.core.train.ProgressBar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The main job on the embedded defaults: prune a model with every scorer found (data-driven ones
 * score a sample of the training split, when it is there) under each of the uniform and global
 * selectors at each ratio, and report top-1 on a test sample, parameters, MACs and saved size, as
 * {@code demo.csv} and {@code demo.md} in {@code out}. Each scorer scores once per selector; ratios
 * reuse the scores.
 *
 * @param data the CIFAR-10 directory whose training split data-driven scorers draw from
 * @param command the command line that runs it, quoted in the markdown
 */
public record Demo(StrategyRegistry registry, Path model, Path sample, List<Double> ratios, UnitKind kind, Path out, Path data, int scoringImages,
                   long scoringSeed, String command) {
    static final List<String> SELECTORS = List.of("uniform", "global");

    public Demo {
        requireNonNull(registry, "registry is null");
        ratios.forEach(ratio -> new PruningTarget(kind, ratio)); // a bad ratio fails now, not after the scoring
    }

    private record Row(String scorer, String selector, double ratio, double top1, long parameters, long macs, long bytes) { }

    public void run() throws IOException {
        Cifar10 images = Cifar10.read(sample);
        List<Row> rows = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            rows.add(measure("none", "-", 0, base, images));
            print(rows.get(0));
            for (var scorer : registry.scorers()) {
                if (scorer.factory().trainsModel()) {
                    skipped.add(scorer.name() + " (trains the model; see its experiment)");
                    continue;
                }
                if (!scorer.factory().supportedKinds().contains(kind)) {
                    skipped.add(scorer.name() + " (does not score " + kind.id() + ")");
                    continue;
                }
                Optional<ScoringData> scoringData = scorer.factory().needsData() ? scoringData() : Optional.empty();
                if (scorer.factory().needsData() && scoringData.isEmpty()) {
                    skipped.add(scorer.name() + " (needs the training split in " + data + ")");
                    continue;
                }
                Map<StrategySettings, UnitScores> scored = new HashMap<>();
                for (String selectorName : SELECTORS) {
                    var selector = registry.selector(selectorName).create(StrategySettings.EMPTY);
                    UnitScores scores = scored.computeIfAbsent(scorerSettings(scorer.factory(), selectorName),
                            settings -> score(base, scorer, settings, kind, scoringData, manager));
                    for (double ratio : ratios) {
                        PruningPlan plan = Pruning.select(base, scores, selector, new PruningTarget(kind, ratio));
                        try (VisionTransformer pruned = Surgery.apply(base, plan, manager)) {
                            Row row = measure(scorer.name(), selectorName, ratio, pruned, images);
                            rows.add(row);
                            print(row);
                        }
                    }
                }
            }
        }
        if (!skipped.isEmpty()) {
            System.out.println("skipped: " + String.join("; ", skipped));
        }
        write(rows, images.size());
    }

    private UnitScores score(VisionTransformer base, Registered<ScorerFactory> scorer, StrategySettings settings, UnitKind kind,
                             Optional<ScoringData> scoringData, NDManager manager) {
        try (ProgressBar bar = new ProgressBar(System.err, "scoring " + scorer.name(), 1)) {
            return Pruning.score(base, scorer.factory().create(settings), kind, new ScoringContext(scoringData, manager, scoringSeed, 32, bar));
        }
    }

    /** A scoring set from the training split, or nothing when the split is not there. */
    private Optional<ScoringData> scoringData() {
        try {
            return Optional.of(new Cifar10ScoringData(Cifar10.load(data, Cifar10.Split.TRAIN).randomSample(scoringImages, scoringSeed)));
        } catch (InvalidInputException e) {
            return Optional.empty();
        }
    }

    /**
     * Scorers whose scores depend on the selection scope declare a {@code scope} setting: block for
     * uniform, global for global, set here because one scoring serves several ratios.
     */
    private static StrategySettings scorerSettings(ScorerFactory factory, String selector) {
        return factory.settings().stream().anyMatch(setting -> setting.name().equals("scope"))
                ? StrategySettings.of("scope", selector.equals("uniform") ? "block" : "global")
                : StrategySettings.EMPTY;
    }

    private static Row measure(String scorer, String selector, double ratio, VisionTransformer candidate, Cifar10 images) throws IOException {
        double top1 = Evaluation.top1(candidate, images, 250, null).top1();
        ModelStats stats = ModelStats.of(candidate);
        Path directory = Files.createTempDirectory("vitprune-demo");
        try {
            ModelStore.save(candidate, directory.resolve("model"));
            return new Row(scorer, selector, ratio, top1, stats.parameters(), stats.macsPerImage(), ModelStore.directorySize(directory.resolve("model")));
        } finally {
            AtomicFiles.deleteRecursively(directory);
        }
    }

    private static void print(Row row) {
        System.out.printf("%-12s %-8s %4.0f%%  top-1 %6.2f%%  params %,10d  MACs %,12d  size %,10d B%n", row.scorer(), row.selector(),
                100 * row.ratio(), 100 * row.top1(), row.parameters(), row.macs(), row.bytes());
    }

    private void write(List<Row> rows, int imageCount) throws IOException {
        StringBuilder csv = new StringBuilder("scorer,selector,ratio,top1,parameters,macs_per_image,saved_bytes\n");
        StringBuilder md = new StringBuilder("# vitprune demo\n\n")
                .append(String.format("Model `%s`, %d images of `%s`, %s of %s removed. Machine: %s. Date: %s.%n%n",
                        model, imageCount, sample, kind == UnitKind.ATTENTION_CHANNEL ? "attention channels" : kind.id(), "each block or all blocks",
                        Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(command).append("`.\n\n")
                .append("| scorer | selector | removed | top-1 | parameters | MACs / image | saved bytes |\n")
                .append("|---|---|---:|---:|---:|---:|---:|\n");
        for (Row row : rows) {
            csv.append(String.format("%s,%s,%.2f,%.4f,%d,%d,%d%n", row.scorer(), row.selector(), row.ratio(), row.top1(), row.parameters(),
                    row.macs(), row.bytes()));
            md.append(String.format("| %s | %s | %.0f%% | %.2f%% | %,d | %,d | %,d |%n", row.scorer(), row.selector(), 100 * row.ratio(),
                    100 * row.top1(), row.parameters(), row.macs(), row.bytes()));
        }
        AtomicFiles.writeString(out.resolve("demo.csv"), csv.toString());
        AtomicFiles.writeString(out.resolve("demo.md"), md.toString());
        System.out.println("wrote " + out.resolve("demo.csv") + " and " + out.resolve("demo.md"));
    }
}
