package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.Machine;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.Evaluation;
import io.vitprune.strategies.vtp.GatedModel;
import io.vitprune.strategies.vtp.VtpGates;
import io.vitprune.strategies.vtp.VtpSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Which lambda makes L1 push gates toward zero (issue "VTP L1 gates"): trains the gates at each
 * lambda (same seed, epochs and data; each in its own resumable work directory) and records, per
 * kind, how many gates end below 0.1 and 0.5, the median |g|, and the gated model's top-1 (the
 * price of the sparsity). Writes a table and the cumulative distributions of |g|.
 */
@Command(name = "vtp-lambda", description = "VTP gate sparsity and top-1 at several lambdas (resumable).")
public final class VtpLambdaSearch implements Callable<Integer> {
    public static final List<String> COLUMNS = List.of("lambda", "kind", "gates", "median_abs_g", "below_0_1", "below_0_5", "top1_gated");

    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--model", defaultValue = "models/reference") Path model;
    @Option(names = "--lambdas", split = ",", defaultValue = "1e-5,1e-4,1e-3,1e-2") List<Double> lambdas;
    @Option(names = "--gate-epochs", defaultValue = "1") int gateEpochs;
    @Mixin
    GateRates gateRates;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--train-limit", defaultValue = "10000", description = "Train the gates on the first N training images.") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images.") Integer testLimit;
    @Option(names = "--work", defaultValue = "target/experiments/vtp-lambda") Path work;
    @Option(names = "--out", defaultValue = "target/results/vtp-lambda", description = "Writes <out>.csv, <out>.md and <out>.png.") Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--data", data.directory()).input("--work", work).files("--out", out, ".csv", ".md", ".png")
                .verify();
        Cifar10 train = data.load(Cifar10.Split.TRAIN, trainLimit);
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        ResultTable table = ResultTable.keyedByOptions(Path.of(out + ".csv"), COLUMNS, 2, new CellOptions().model("model", model).data("train", train)
                .data("test", test).command(spec, Set.of("--model", "--data", "--lambdas", "--train-limit", "--test-limit", "--work", "--out"))
                .toString());
        XYChart chart = new XYChartBuilder().width(800).height(500).title(String.format("|g| after %d gate epoch(s) on %,d images", gateEpochs,
                train.size())).xAxisTitle("|g|").yAxisTitle("fraction of gates <= |g|").build();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer base = ModelStore.load(model, manager)) {
            for (double lambda : lambdas) {
                String key = String.format("%.0e", lambda);
                VtpSettings settings = gateRates.settings(gateEpochs, lambda, seed);
                try (GatedModel gated = new VtpGates(settings, train, work.resolve("lambda-" + key), System.out).train(base, manager)) {
                    List<GateStatistics> kinds = GateStatistics.of(gated);
                    if (!table.has(key, kinds.get(0).kind())) {
                        double top1 = Evaluation.top1(gated, test, 250, System.err).top1();
                        for (GateStatistics gates : kinds) {
                            table.put(key, gates.kind(), gates.magnitudes().length, String.format("%.4f", gates.median()),
                                    String.format("%.4f", gates.fractionBelow(0.1)), String.format("%.4f", gates.fractionBelow(0.5)),
                                    String.format("%.4f", top1));
                        }
                    }
                    kinds.forEach(gates -> gates.addCumulative(chart, "lambda " + key + ", " + gates.kind()));
                    System.out.printf("lambda %s: %s%n", key, String.join(" ", kinds.stream().map(GateStatistics::summary).toList()));
                }
            }
        }
        chart.getSeriesMap().values().forEach(series -> series.setMarker(SeriesMarkers.NONE));
        Path png = Path.of(out + ".png").toAbsolutePath();
        Files.createDirectories(png.getParent());
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        writeMarkdown(table, train.size(), test.size());
        return 0;
    }

    private void writeMarkdown(ResultTable table, int trainImages, int testImages) throws java.io.IOException {
        StringBuilder md = new StringBuilder("# VTP: which lambda pushes the gates toward zero\n\n")
                .append(String.format("Model `%s`. Gates (initialised to 1) on every attention channel and MLP unit, trained with CE + lambda x "
                        + "sum |g| for %d epoch(s) on %,d training images, AdamW lr %.0e for the network and %.0e for the gates, seed %d. "
                        + "Top-1 of the gated model (gates applied, nothing removed) on %,d test images. Machine: %s. Date: %s.%n%n", model,
                        gateEpochs, trainImages, gateRates.network, gateRates.gates, seed, testImages, Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(Invocation.of(spec)).append("` (resumable).\n\n")
                .append(ReportNotes.cellOptions(table))
                .append("| lambda | gates | count | median abs(g) | below 0.1 | below 0.5 | top-1 gated |\n|---:|---|---:|---:|---:|---:|---:|\n");
        for (List<String> row : table.rows()) {
            md.append(String.format("| %s | %s | %,d | %.3f | %.1f%% | %.1f%% | %.2f%% |%n", row.get(0), row.get(1), Long.parseLong(row.get(2)),
                    Double.parseDouble(row.get(3)), 100 * Double.parseDouble(row.get(4)), 100 * Double.parseDouble(row.get(5)),
                    100 * Double.parseDouble(row.get(6))));
        }
        md.append("\n![cumulative distribution of |g|](").append(out.getFileName()).append(".png)\n");
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        System.out.println("wrote " + out + ".csv, .md and .png");
    }
}
