package io.vitprune.cli;

import io.vitprune.core.Machine;
import io.vitprune.core.experiment.ResultTable;
import io.vitprune.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

/** Turns the paper-table results into markdown (ours, mean +- std over seeds, beside the paper's Table 1) and a PNG plot. */
final class PaperTableReport {
    /** Our (method, selector) rows and the paper's Table 1 row each corresponds to. */
    static final Map<String, String> PAPER_ROWS = new LinkedHashMap<>();

    static {
        PAPER_ROWS.put("weight-l1 uniform", "weight (uniform)");
        PAPER_ROWS.put("weight-l1 global", "weight (global)");
        PAPER_ROWS.put("kd-importance uniform", "KD importance (uniform)");
        PAPER_ROWS.put("kd-importance global", "KD importance (global)");
        PAPER_ROWS.put("regression-stability uniform", "stability (proposed)");
        PAPER_ROWS.put("regression-stability global", "stability (proposed)");
    }

    private PaperTableReport() {
    }

    static void write(ResultTable table, List<Double> ratios, Path paperFile, Path out, String command, int scoringImages, int testImages)
            throws IOException {
        double base = 100 * Double.parseDouble(table.row("none", "-", "-", "0.00", "0").get("top1"));
        Map<String, Map<String, String>> paper = Files.exists(paperFile) ? readPaperTable1(paperFile) : Map.of();
        StringBuilder md = new StringBuilder("# The seed paper's experiment on the reference model\n\n")
                .append(String.format("Top-1 (%%) on %,d CIFAR-10 test images after removing a fraction of the attention channels. Unpruned "
                        + "model: %.2f%%. Score-based methods: mean +- standard deviation over scoring sets of %,d training images drawn with "
                        + "different seeds (n = seeds). Machine: %s. Date: %s.%n%n", testImages, base, scoringImages, Machine.describe(),
                        LocalDate.now()))
                .append("Produced by `").append(command).append("` (resumable; raw rows in the CSV beside this file).\n\n");
        XYChart chart = new XYChartBuilder().width(800).height(500).title("top-1 after pruning attention channels")
                .xAxisTitle("attention channels removed (%)").yAxisTitle("top-1 (%)").build();
        md.append("## Without fine-tuning\n\n");
        Map<String, List<Double>> means = appendTable(md, table, ratios, "0", chart, "");
        List<String> tuned = table.rows().stream().map(row -> row.get(4)).filter(epochs -> !epochs.equals("0")).distinct().sorted().toList();
        for (String epochs : tuned) {
            md.append("\n## After ").append(epochs).append(" epoch(s) of KD fine-tuning\n\n")
                    .append("Each pruned model above, trained with CE + beta KL(teacher || student), the unpruned model as frozen teacher "
                            + "(n = scoring seeds fine-tuned; the weight methods have none).\n\n");
            appendTable(md, table, ratios, epochs, chart, " + KD " + epochs);
        }
        md.append("\n![top-1 vs ratio](").append(out.getFileName()).append(".png)\n\n");
        md.append("## Beside the paper's Table 1\n\n")
                .append("Without fine-tuning, like the paper. The paper does not publish its unpruned accuracy, so its rows are its absolute "
                        + "top-1; ours are relative to our unpruned model. The paper's single stability row is shown under both of our "
                        + "stability scopes.\n\n")
                .append("| method | selector | source |");
        ratios.forEach(r -> md.append(String.format(" %.0f%% |", 100 * r)));
        md.append("\n|---|---|---|").append("---:|".repeat(ratios.size())).append('\n');
        for (String method : PAPER_ROWS.keySet()) {
            String[] parts = method.split(" ");
            md.append("| ").append(parts[0]).append(" | ").append(parts[1]).append(" | ours: top-1 / unpruned |");
            means.get(method).forEach(mean -> md.append(mean.isNaN() ? " |" : String.format(" %.3f |", mean / base)));
            md.append('\n');
            Map<String, String> published = paper.get(PAPER_ROWS.get(method));
            if (published != null) {
                md.append("| | | paper: top-1 (%) |");
                ratios.forEach(r -> md.append(' ').append(published.getOrDefault(String.format("%.0f%%", 100 * r), "")).append(" |"));
                md.append('\n');
            }
        }
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        Path png = Path.of(out + ".png").toAbsolutePath();
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("wrote " + out + ".csv, .md and .png");
    }

    /**
     * One markdown table of the rows fine-tuned for {@code epochs} (mean +- std over seeds per
     * method and ratio) and its series on {@code chart}; returns each method's means (NaN: no row).
     */
    private static Map<String, List<Double>> appendTable(StringBuilder md, ResultTable table, List<Double> ratios, String epochs, XYChart chart,
            String seriesSuffix) {
        md.append("| method | selector | n |");
        ratios.forEach(r -> md.append(String.format(" %.0f%% |", 100 * r)));
        md.append("\n|---|---|---:|").append("---:|".repeat(ratios.size())).append('\n');
        Map<String, List<Double>> allMeans = new LinkedHashMap<>();
        for (String method : PAPER_ROWS.keySet()) {
            String[] parts = method.split(" ");
            List<Double> xs = new ArrayList<>();
            List<Double> means = new ArrayList<>();
            List<Double> plotted = new ArrayList<>();
            List<Double> stds = new ArrayList<>();
            int n = 0;
            StringBuilder cells = new StringBuilder();
            for (double ratio : ratios) {
                List<Double> values = values(table, parts[0], parts[1], ratio, epochs);
                n = Math.max(n, values.size());
                if (values.isEmpty()) {
                    cells.append(" |");
                    means.add(Double.NaN);
                    continue;
                }
                double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                double std = Math.sqrt(values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.size() - 1));
                cells.append(values.size() > 1 ? String.format(" %.2f +- %.2f |", mean, std) : String.format(" %.2f |", mean));
                xs.add(100 * ratio);
                means.add(mean);
                plotted.add(mean);
                stds.add(std);
            }
            md.append("| ").append(parts[0]).append(" | ").append(parts[1]).append(" | ").append(n).append(" |").append(cells).append('\n');
            allMeans.put(method, means);
            if (!xs.isEmpty()) {
                chart.addSeries(method + seriesSuffix, xs, plotted, stds);
            }
        }
        return allMeans;
    }

    private static List<Double> values(ResultTable table, String method, String selector, double ratio, String epochs) {
        String key = String.format("%.2f", ratio);
        List<Double> values = new ArrayList<>();
        for (List<String> row : table.rows()) {
            if (row.get(0).equals(method) && row.get(1).equals(selector) && row.get(3).equals(key) && row.get(4).equals(epochs)) {
                values.add(100 * Double.parseDouble(row.get(5)));
            }
        }
        return values;
    }

    /** Rows of the "Table 1" section of the reference file: row label to {"30%": "73.73", ...}. */
    static Map<String, Map<String, String>> readPaperTable1(Path file) throws IOException {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        boolean inTable = false;
        List<String> header = List.of();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("## ")) {
                inTable = line.startsWith("## Table 1");
                continue;
            }
            if (!inTable || !line.startsWith("|") || line.startsWith("|--")) {
                continue;
            }
            List<String> cells = List.of(line.substring(1, line.lastIndexOf('|')).split("\\|")).stream().map(String::trim).toList();
            if (cells.get(0).equals("method")) {
                header = cells;
                continue;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (int i = 1; i < cells.size() && i < header.size(); i++) {
                values.put(header.get(i), cells.get(i));
            }
            rows.put(cells.get(0), values);
        }
        return rows;
    }
}
