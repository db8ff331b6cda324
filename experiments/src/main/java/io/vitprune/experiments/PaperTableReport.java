package io.vitprune.experiments;

import io.vitprune.core.Machine;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.reliability.SplitHalfReliability;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
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
        PAPER_ROWS.put("kd-importance:alpha=1 uniform", "KD importance (uniform)");
        PAPER_ROWS.put("kd-importance:alpha=1 global", "KD importance (global)");
        PAPER_ROWS.put("regression-stability:ce-target=labels uniform", "stability (proposed)");
        PAPER_ROWS.put("regression-stability:ce-target=labels global", "stability (proposed)");
        PAPER_ROWS.put("regression-stability:ce-target=teacher uniform", "stability (proposed)");
        PAPER_ROWS.put("regression-stability:ce-target=teacher global", "stability (proposed)");
    }

    /** Every (method, selector) row of the table, in the order of the report: weight magnitude, then each criterion. */
    static List<String> methodRows() {
        List<String> rows = new ArrayList<>();
        Stream.concat(Stream.of("weight-l1"), Criterion.ALL.stream().map(Criterion::id))
                .forEach(method -> PaperTableExperiment.SELECTORS.forEach(selector -> rows.add(method + " " + selector)));
        return rows;
    }

    private PaperTableReport() {
    }

    static void write(ResultTable table, ResultTable reliability, List<Double> ratios, List<String> finetuned, Path paperFile, Path out,
                      String command, int scoringImages, int testImages) throws IOException {
        double base = 100 * Double.parseDouble(table.row("none", "-", "-", "0.00", "0").get("top1"));
        Map<String, Map<String, String>> paper = Files.exists(paperFile) ? readPaperTable(paperFile, "Table 1") : Map.of();
        Map<String, Map<String, String>> paperSizes = Files.exists(paperFile) ? readPaperTable(paperFile, "Table 3") : Map.of();
        StringBuilder md = new StringBuilder("# The seed paper's experiment on the reference model\n\n")
                .append(String.format("Top-1 (%%) on %,d CIFAR-10 test images after removing a fraction of the attention channels. Unpruned "
                        + "model: %.2f%%. Score-based methods: mean +- standard deviation over scoring sets of %,d training images drawn with "
                        + "different seeds (n = seeds). Report written on: %s, %s. A resumed run computes its cells over several sessions, possibly "
                        + "on other machines; top-1, sizes and MACs depend on the machine only through float rounding (which can reorder "
                        + "near-tied scores).%n%n", testImages, base, scoringImages, Machine.describe(),
                        LocalDate.now()))
                .append("Produced by `").append(command).append("` (resumable; raw rows in the CSV beside this file).\n\n")
                .append("Rows name the settings they vary. The scorers' defaults, chosen from this table (docs/methods-notes.md): "
                        + "`kd-importance` is `kd-importance:alpha=10`, `regression-stability` is `regression-stability:ce-target=teacher`.\n\n")
                .append(ReportNotes.cellOptions(table));
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
            List<String> missing = new ArrayList<>();
            for (String method : methodRows()) {
                String[] parts = method.split(" ");
                if (!finetuned.contains(parts[0])) {
                    continue;
                }
                ratios.stream().filter(r -> values(table, parts[0], parts[1], r, epochs).isEmpty() && !values(table, parts[0], parts[1], r, "0").isEmpty())
                        .forEach(r -> missing.add(String.format("%s %.0f%%", method, 100 * r)));
            }
            if (!missing.isEmpty()) {
                md.append("\nNot fine-tuned yet (the run continues where it stopped): ").append(String.join(", ", missing)).append(".\n");
            }
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
            if (!means.containsKey(method)) {
                continue;
            }
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
        appendAgreement(md, means, paper, ratios);
        appendReliability(md, reliability);
        appendCost(md, table, ratios, paperSizes);
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
        for (String method : methodRows()) {
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
            if (n == 0) {
                continue;
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

    /**
     * Per ratio, the best of our methods and of the paper's rows (without fine-tuning), and the
     * margin of stability over weight magnitude in both, in points of top-1: the paper's claim is
     * that stability wins at low ratios and global weight magnitude at high ones. The two bases differ
     * (the paper does not publish its own), so the margins compare in sign and rank, not in size.
     */
    private static void appendAgreement(StringBuilder md, Map<String, List<Double>> means, Map<String, Map<String, String>> paper,
            List<Double> ratios) {
        md.append("\n## Where we agree and differ\n\n")
                .append("Without fine-tuning. \"Best\" is the row with the highest mean top-1; a margin is the better stability row (with "
                        + "label or with teacher cross-entropy) minus the better weight row, in points of top-1 (the paper has one stability "
                        + "row). The same sign means the same winner between the proposed method and weight magnitude.\n\n")
                .append("| ratio | best here | best in the paper | stability (labels) - weight here | stability (teacher) - weight here "
                        + "| in the paper |\n")
                .append("|---:|---|---|---:|---:|---:|\n");
        for (int i = 0; i < ratios.size(); i++) {
            String ratio = String.format("%.0f%%", 100 * ratios.get(i));
            Map<String, Double> ours = new LinkedHashMap<>();
            for (Map.Entry<String, List<Double>> method : means.entrySet()) {
                ours.put(method.getKey(), method.getValue().get(i));
            }
            Map<String, Double> published = new LinkedHashMap<>();
            paper.forEach((row, cells) -> published.put(row, parse(cells.get(ratio))));
            double weight = better(ours, "weight-l1 uniform", "weight-l1 global");
            double labelsMargin = better(ours, "regression-stability:ce-target=labels uniform", "regression-stability:ce-target=labels global") - weight;
            double teacherMargin = better(ours, "regression-stability:ce-target=teacher uniform", "regression-stability:ce-target=teacher global")
                    - weight;
            double paperMargin = better(published, "stability (proposed)") - better(published, "weight (uniform)", "weight (global)");
            md.append("| ").append(ratio).append(" | ").append(best(ours)).append(" | ").append(best(published)).append(" | ")
                    .append(signed(labelsMargin)).append(" | ").append(signed(teacherMargin)).append(" | ").append(signed(paperMargin)).append(" |\n");
        }
    }

    /**
     * Each criterion's split-half reliability, mean over the seeds measured: the rank correlation of
     * the scores its two halves of the scoring set give, over all blocks (what a global selector
     * ranks) and within a block (what a uniform selector ranks). Weight magnitude uses no data: 1.
     */
    private static void appendReliability(StringBuilder md, ResultTable reliability) {
        if (reliability == null || reliability.rows().isEmpty()) {
            return;
        }
        md.append("\n## Split-half reliability of the criteria\n\n")
                .append(String.format("Spearman rank correlation of each criterion's scores from the two halves (even and odd images, %s each) "
                        + "of a scoring set, mean over the seeds (n). The column that matters is the one the selector ranks by: within each "
                        + "block under uniform, over all blocks under global. Below %.1f the ranking is mostly sampling noise (flagged).%n%n",
                        reliability.rows().get(0).get(3), SplitHalfReliability.LOW))
                .append("| method | selector | n | over all blocks | mean within a block | flag |\n|---|---|---:|---:|---:|---|\n");
        for (String method : methodRows()) {
            String[] parts = method.split(" ");
            List<List<String>> rows = reliability.rows().stream().filter(row -> row.get(0).equals(parts[0]) && row.get(1).equals(parts[1])).toList();
            if (rows.isEmpty()) {
                continue;
            }
            double overall = rows.stream().mapToDouble(row -> Double.parseDouble(row.get(4))).average().orElse(Double.NaN);
            double within = rows.stream().mapToDouble(row -> Double.parseDouble(row.get(5))).average().orElse(Double.NaN);
            double ranked = parts[1].equals("uniform") ? within : overall;
            md.append(String.format("| %s | %s | %d | %.2f | %.2f | %s |%n", parts[0], parts[1], rows.size(), overall, within,
                    ranked >= SplitHalfReliability.LOW ? "" : "low"));
        }
    }

    /**
     * Size and cost per ratio (every method removes the same number of channels, each costing the
     * same parameters and MACs, so the cells should agree across methods: a range shows when not),
     * beside the paper's Table 3 size reductions.
     */
    private static void appendCost(StringBuilder md, ResultTable table, List<Double> ratios, Map<String, Map<String, String>> paperSizes) {
        Map<String, String> unpruned = table.row("none", "-", "-", "0.00", "0");
        md.append("\n## Size and cost\n\n")
                .append(String.format("Without fine-tuning, every method and seed; relative to the unpruned model (%,d parameters, %,d MACs per "
                        + "image, %,d bytes of weights). The paper's column is its Table 3 size reduction of the weight (uniform) row.%n%n",
                        Long.parseLong(unpruned.get("parameters")), Long.parseLong(unpruned.get("macs_per_image")),
                        Long.parseLong(unpruned.get("weights_bytes"))))
                .append("| ratio | parameters | MACs per image | saved weights | paper: saved size |\n|---:|---:|---:|---:|---:|\n");
        Map<String, String> paperRow = paperSizes.getOrDefault("weight (uniform)", Map.of());
        for (double ratio : ratios) {
            String key = String.format("%.2f", ratio);
            List<List<String>> rows = table.rows().stream().filter(row -> row.get(3).equals(key) && row.get(4).equals("0")).toList();
            String percent = String.format("%.0f%%", 100 * ratio);
            String paperCell = paperRow.getOrDefault(percent, "");
            md.append("| ").append(percent).append(" | ").append(change(rows, 6, unpruned.get("parameters"))).append(" | ")
                    .append(change(rows, 7, unpruned.get("macs_per_image"))).append(" | ").append(change(rows, 8, unpruned.get("weights_bytes")))
                    .append(" | ").append(paperCell.contains("(") ? paperCell.substring(paperCell.indexOf('(') + 1, paperCell.indexOf(')')) : "")
                    .append(" |\n");
        }
    }

    /** The change of column {@code column} over {@code rows} against {@code base}, as a percentage or a range of them. */
    private static String change(List<List<String>> rows, int column, String base) {
        double reference = Double.parseDouble(base);
        double min = rows.stream().mapToDouble(row -> Double.parseDouble(row.get(column))).min().orElse(Double.NaN);
        double max = rows.stream().mapToDouble(row -> Double.parseDouble(row.get(column))).max().orElse(Double.NaN);
        String low = String.format("%+.2f%%", 100 * (min / reference - 1));
        return min == max || Double.isNaN(min) ? low : low + " .. " + String.format("%+.2f%%", 100 * (max / reference - 1));
    }

    /** The highest of the values of {@code rows} that exist and are numbers; NaN if none. */
    private static double better(Map<String, Double> values, String... rows) {
        return Stream.of(rows).map(values::get).filter(v -> v != null && !v.isNaN()).max(Double::compare).orElse(Double.NaN);
    }

    private static String best(Map<String, Double> values) {
        return values.entrySet().stream().filter(e -> !e.getValue().isNaN()).max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("");
    }

    private static double parse(String cell) {
        try {
            return cell == null ? Double.NaN : Double.parseDouble(cell.split(" ")[0]);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String signed(double points) {
        return Double.isNaN(points) ? "" : String.format("%+.2f", points);
    }

    /** Rows of the section of the reference file whose heading starts with {@code "## " + table}: row label to {"30%": "73.73", ...}. */
    static Map<String, Map<String, String>> readPaperTable(Path file, String table) throws IOException {
        Map<String, Map<String, String>> rows = new LinkedHashMap<>();
        boolean inTable = false;
        List<String> header = List.of();
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("## ")) {
                inTable = line.startsWith("## " + table + ":");
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
