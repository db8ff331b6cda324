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
        double base = 100 * Double.parseDouble(table.row("none", "-", "-", "0.00").get("top1"));
        Map<String, Map<String, String>> paper = Files.exists(paperFile) ? readPaperTable1(paperFile) : Map.of();
        StringBuilder md = new StringBuilder("# The seed paper's experiment on the reference model\n\n")
                .append(String.format("Top-1 (%%) on %,d CIFAR-10 test images after removing a fraction of the attention channels, without "
                        + "fine-tuning. Unpruned model: %.2f%%. Score-based methods: mean +- standard deviation over scoring sets of %,d "
                        + "training images drawn with different seeds (n = seeds). Machine: %s. Date: %s.%n%n", testImages, base, scoringImages,
                        Machine.describe(), LocalDate.now()))
                .append("Produced by `").append(command).append("` (resumable; raw rows in the CSV beside this file).\n\n");
        md.append("| method | selector | n |");
        ratios.forEach(r -> md.append(String.format(" %.0f%% |", 100 * r)));
        md.append("\n|---|---|---:|").append("---:|".repeat(ratios.size())).append('\n');
        XYChart chart = new XYChartBuilder().width(800).height(500).title("top-1 after pruning attention channels (no fine-tuning)")
                .xAxisTitle("attention channels removed (%)").yAxisTitle("top-1 (%)").build();
        StringBuilder relative = new StringBuilder("| method | selector | source |");
        ratios.forEach(r -> relative.append(String.format(" %.0f%% |", 100 * r)));
        relative.append("\n|---|---|---|").append("---:|".repeat(ratios.size())).append('\n');
        for (String method : PAPER_ROWS.keySet()) {
            String[] parts = method.split(" ");
            List<Double> xs = new ArrayList<>();
            List<Double> means = new ArrayList<>();
            List<Double> stds = new ArrayList<>();
            int n = 0;
            md.append("| ").append(parts[0]).append(" | ").append(parts[1]).append(" |");
            StringBuilder cells = new StringBuilder();
            StringBuilder ours = new StringBuilder("| ").append(parts[0]).append(" | ").append(parts[1]).append(" | ours: top-1 / unpruned |");
            for (double ratio : ratios) {
                List<Double> values = values(table, parts[0], parts[1], ratio);
                n = Math.max(n, values.size());
                if (values.isEmpty()) {
                    cells.append(" |");
                    ours.append(" |");
                    continue;
                }
                double mean = values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
                double std = Math.sqrt(values.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / Math.max(1, values.size() - 1));
                cells.append(values.size() > 1 ? String.format(" %.2f +- %.2f |", mean, std) : String.format(" %.2f |", mean));
                ours.append(String.format(" %.3f |", mean / base));
                xs.add(100 * ratio);
                means.add(mean);
                stds.add(std);
            }
            md.append(' ').append(n).append(" |").append(cells).append('\n');
            relative.append(ours).append('\n');
            Map<String, String> published = paper.get(PAPER_ROWS.get(method));
            if (published != null) {
                relative.append("| | | paper: top-1 (%) |");
                ratios.forEach(r -> relative.append(' ').append(published.getOrDefault(String.format("%.0f%%", 100 * r), "")).append(" |"));
                relative.append('\n');
            }
            if (!xs.isEmpty()) {
                chart.addSeries(method, xs, means, stds);
            }
        }
        md.append("\n![top-1 vs ratio](").append(out.getFileName()).append(".png)\n\n");
        md.append("## Beside the paper's Table 1\n\n")
                .append("The paper does not publish its unpruned accuracy, so its rows are its absolute top-1; ours are relative to our "
                        + "unpruned model. The paper's single stability row is shown under both of our stability scopes.\n\n")
                .append(relative);
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        Path png = Path.of(out + ".png").toAbsolutePath();
        BitmapEncoder.saveBitmap(chart, png.toString().replaceFirst("\\.png$", ""), BitmapEncoder.BitmapFormat.PNG);
        System.out.println("wrote " + out + ".csv, .md and .png");
    }

    private static List<Double> values(ResultTable table, String method, String selector, double ratio) {
        String key = String.format("%.2f", ratio);
        List<Double> values = new ArrayList<>();
        for (List<String> row : table.rows()) {
            if (row.get(0).equals(method) && row.get(1).equals(selector) && row.get(3).equals(key)) {
                values.add(100 * Double.parseDouble(row.get(4)));
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
