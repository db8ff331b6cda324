package io.vitprune.experiments;

import io.vitprune.core.Machine;
import io.vitprune.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@link DeployExperiment}'s markdown and plot from its table, rewritten after every finished
 * version so that a run spanning sessions reports as it goes: accuracy and sizes, then latency
 * with every runtime's figure against the unpruned float32 libtorch model's.
 */
final class DeployReport {
    /** fp32 ONNX Runtime top-1 must equal libtorch's within this many points (the exactness on 10,000 images). */
    static final double EXACTNESS_POINTS = 0.05;
    static final String NOT_JMH = "not JMH; see docs/benchmarks-runtimes.md";
    private static final String[] RUNTIMES = {"libtorch", "onnx", "onnx_int8"};
    private static final String[] RUNTIME_NAMES = {"libtorch fp32", "ONNX Runtime fp32", "ONNX Runtime int8"};

    private final ResultTable table;
    private final Path out;
    private final int testImages;
    private final int onnxThreads;
    private final int timingRounds;

    DeployReport(ResultTable table, Path out, int testImages, int onnxThreads, int timingRounds) {
        this.table = table;
        this.out = out;
        this.testImages = testImages;
        this.onnxThreads = onnxThreads;
        this.timingRounds = timingRounds;
    }

    void write(CommandSpec spec, List<Double> ratios, int epochs, String scorer, String selector, Path model) throws IOException {
        StringBuilder md = new StringBuilder("# Deployment: pruning, int8 quantization and both, on libtorch and ONNX Runtime\n\n")
                .append(String.format(Locale.ROOT, "Model `%s` and its versions with %s of the attention channels removed by `%s` + `%s`, "
                        + "each as pruned and after %d epoch(s) of KD fine-tuning (CE + KL to the unpruned model, as `experiment finetune`). Each "
                        + "version exported by `vitprune export` as float32 ONNX and with dynamic int8 weights (per output channel, activations "
                        + "quantized at run time). Top-1 on %,d CIFAR-10 test images. ONNX Runtime intra-op threads %d. Machine: %s. Date: %s.%n%n",
                        model, percents(ratios), scorer, selector, epochs, testImages, onnxThreads, Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(Invocation.of(spec)).append("` (resumable).\n\n")
                .append(ReportNotes.cellOptions(table))
                .append(accuracy()).append(latency()).append(missing(ratios, epochs, scorer, selector))
                .append("\n![top-1 against latency at batch 32](").append(out.getFileName()).append(".png)\n");
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        plot();
        System.out.println("wrote " + out + ".csv, .md and .png");
    }

    private String accuracy() {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, """
                ## Accuracy and size

                fp32 - libtorch: ONNX Runtime's float32 top-1 minus libtorch's, in points (expected within %.2f; `!` marks a version \
                outside it). Sizes in MB (10^6 bytes): the vitprune model directory (model.json + parameters.ndlist) and the two files.

                | removed | KD epochs | MACs / image | top-1 libtorch | top-1 ONNX fp32 | fp32 - libtorch | top-1 ONNX int8 | int8 - fp32 | \
                vitprune MB | .onnx MB | .onnx int8 MB |
                |---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|
                """, EXACTNESS_POINTS));
        for (Map<String, String> row : rows()) {
            double libtorch = 100 * number(row, "top1_libtorch");
            double fp32 = 100 * number(row, "top1_onnx");
            double int8 = 100 * number(row, "top1_onnx_int8");
            md.append(String.format(Locale.ROOT, "| %.0f%% | %s | %,d | %.2f%% | %.2f%% | %+.2f%s | %.2f%% | %+.2f | %.2f | %.2f | %.2f |%n",
                    100 * number(row, "ratio"), row.get("epochs"), Long.parseLong(row.get("macs_per_image")), libtorch, fp32, fp32 - libtorch,
                    Math.abs(fp32 - libtorch) > EXACTNESS_POINTS + 1e-9 ? " !" : "", int8, int8 - fp32, number(row, "bytes_model") / 1e6,
                    number(row, "bytes_onnx") / 1e6, number(row, "bytes_onnx_int8") / 1e6));
        }
        return md.toString();
    }

    private String latency() {
        Map<String, String> base = table.row("none", "-", "0.00", 0);
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, """

                ## Latency (quick, in-run: %s)

                Milliseconds of one forward pass of the batch (random images), the median of %d rounds in which the three runtimes run \
                in turn after a warm-up each; in brackets, that latency over the unpruned float32 libtorch model's at the same batch. \
                The JMH measurement of the same runtimes is `scripts/bench.sh --runtimes`.

                | removed | KD epochs |""", NOT_JMH, timingRounds));
        for (int batch : DeployExperiment.BATCHES) {
            for (String name : RUNTIME_NAMES) {
                md.append(" batch ").append(batch).append(' ').append(name).append(" |");
            }
        }
        md.append("\n|---:|---:|").append("---:|".repeat(DeployExperiment.BATCHES.size() * RUNTIMES.length)).append('\n');
        for (Map<String, String> row : rows()) {
            md.append(String.format(Locale.ROOT, "| %.0f%% | %s |", 100 * number(row, "ratio"), row.get("epochs")));
            for (int batch : DeployExperiment.BATCHES) {
                for (String runtime : RUNTIMES) {
                    double milliseconds = number(row, column(batch, runtime));
                    md.append(String.format(Locale.ROOT, " %.2f", milliseconds)).append(base == null ? "" : String.format(Locale.ROOT, " (%.2f)",
                            milliseconds / number(base, column(batch, "libtorch")))).append(" |");
                }
            }
            md.append('\n');
        }
        return md.toString();
    }

    private String missing(List<Double> ratios, int epochs, String scorer, String selector) {
        List<String> missing = new ArrayList<>();
        if (!table.has("none", "-", "0.00", 0)) {
            missing.add("unpruned");
        }
        for (double ratio : ratios) {
            for (int tuned : List.of(0, epochs)) {
                if (!table.has(scorer, selector, String.format(Locale.ROOT, "%.2f", ratio), tuned)) {
                    missing.add(String.format(Locale.ROOT, "%.0f%% %s", 100 * ratio, tuned == 0 ? "pruned" : "fine-tuned"));
                }
            }
        }
        return missing.isEmpty() ? "" : "\nNot run yet (the command continues where it stopped): " + String.join(", ", missing) + ".\n";
    }

    /** Top-1 against batch-32 latency, one series per runtime, a point per version. */
    private void plot() throws IOException {
        List<Map<String, String>> rows = rows();
        if (rows.isEmpty()) {
            return;
        }
        XYChart chart = new XYChartBuilder().width(800).height(500).title("top-1 against latency at batch 32 (" + NOT_JMH + ")")
                .xAxisTitle("latency at batch 32 (ms, median in-run)").yAxisTitle("top-1 (%)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(9);
        for (int i = 0; i < RUNTIMES.length; i++) {
            String runtime = RUNTIMES[i];
            chart.addSeries(RUNTIME_NAMES[i], rows.stream().mapToDouble(row -> number(row, column(32, runtime))).toArray(),
                    rows.stream().mapToDouble(row -> 100 * number(row, "top1_" + runtime)).toArray());
        }
        AtomicFiles.write(Path.of(out + ".png"), stream -> BitmapEncoder.saveBitmap(chart, stream, BitmapEncoder.BitmapFormat.PNG));
    }

    private List<Map<String, String>> rows() {
        return table.rows().stream().map(cells -> table.row(cells.subList(0, 4).toArray())).toList();
    }

    private static String column(int batch, String runtime) {
        return "ms_b" + batch + "_" + runtime;
    }

    private static double number(Map<String, String> row, String column) {
        return Double.parseDouble(row.get(column));
    }

    private static String percents(List<Double> ratios) {
        return String.join(" / ", ratios.stream().map(ratio -> String.format(Locale.ROOT, "%.0f%%", 100 * ratio)).toList());
    }
}
