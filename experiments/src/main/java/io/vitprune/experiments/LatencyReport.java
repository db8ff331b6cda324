package io.vitprune.experiments;

import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.Machine;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.latency.LatencyMeter;
import io.vitprune.core.latency.LatencyTable;
import java.io.IOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.function.Function;
import java.util.function.Predicate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The latency experiment's markdown and plots (one per batch), from the CSV: each latency-selected
 * model's measured against predicted latency and against its budget, and its top-1 against each
 * baseline's {@link LatencyFront} at its measured latency, without and after fine-tuning; a goals
 * section that says met or not met with the numbers.
 */
final class LatencyReport {
    static final double PREDICTION_TOLERANCE = 0.10;
    static final double BUDGET_TOLERANCE = 1.05;

    /** What the run was asked to do, for the header; {@code finetune} describes the fine-tuning, null without. */
    record Setup(Path model, String scorer, List<UnitKind> kinds, List<Double> budgets, List<String> baselines, boolean headAligned, int step,
                 double maxBlockRatio, int corrections, int timingWarmups, int timingRounds, String finetune, List<Double> finetuneRatios, int testImages) {
    }

    private final ResultTable results;
    private final List<LatencyCell> cells;
    private final Path out;
    private final LatencyTable table;
    private final String tableSource;
    private final Setup setup;

    LatencyReport(ResultTable results, List<LatencyCell> cells, Path out, LatencyTable table, String tableSource, Setup setup) {
        this.results = results;
        this.cells = List.copyOf(cells);
        this.out = out;
        this.table = table;
        this.tableSource = tableSource;
        this.setup = setup;
    }

    void write(CommandSpec spec) throws IOException {
        StringBuilder md = new StringBuilder("# Pruning to a latency budget\n\n").append(header())
                .append("Produced by `").append(Invocation.of(spec)).append("` (resumable).\n\n")
                .append(ReportNotes.cellOptions(results))
                .append(goals());
        for (int batch : LatencyExperiment.BATCHES) {
            md.append(batchSection(batch));
            plot(batch);
        }
        md.append(missing());
        AtomicFiles.writeString(Path.of(out + ".md"), md.toString());
        System.out.println("wrote " + out + ".csv, .md, -b1.png and -b32.png");
    }

    private String header() {
        return String.format(Locale.ROOT, """
                Model `%s`; every plan scored by `%s` on %s. `latency`: the latency selector at budgets %s of the unpruned model's \
                predicted latency, planned for batch 1 and for batch 32 (width step %d, a block losing at most %.0f%% of its units). It \
                plans one unit kind at a time, so the kinds take turns (in the order above), each on the model the turns before left: \
                what is still to cut is shared out in proportion to what removing half of each kind alone (uniform, head-aligned) is \
                predicted to save, and the last \
                turn of a round asks for all that is left; a turn out of its kind's reach asks half as much (three times at most), and \
                up to four rounds let one kind take up what another could not. Then the plan is measured against the unpruned model \
                (whole models of both shapes timed in %d pairs, the median ratio) and, while it is over its budget, planned again at a \
                budget tightened by the factor it was measured over its prediction, up to %d times. Baselines %s: every kind's units removed at one ratio%s.

                Latency table: %s; format version %d, runtime %s, libtorch threads %d, measured %s on %s.

                Measured latency: one forward pass of a batch of random images on libtorch (intra-op threads %d, head execution AUTO), \
                milliseconds per pass. Per batch one session times every model together, the unpruned one among them: %d untimed rounds, \
                then %d rounds in which every model runs once, in an order shuffled per round; the median, and in brackets the \
                interquartile range (IQR). At batch 1 a timed call runs 32 passes. This is an in-run measurement with JMH's scheme \
                (warm-up, repeated rounds, one process), not a JMH run: the IQR is the precision it has. A fine-tuned model has its \
                pruned model's shapes and is not timed again. The budget of a batch is the fraction times the unpruned model's measured \
                latency in the same session.

                Top-1 on %,d CIFAR-10 test images%s. Machine: %s. Date: %s.

                """, setup.model(), setup.scorer(), String.join(" + ", setup.kinds().stream().map(UnitKind::id).toList()),
                setup.budgets().stream().map(b -> String.format(Locale.ROOT, "%.2f", b)).toList(), setup.step(), 100 * setup.maxBlockRatio(),
                LatencyMeter.PAIRS, setup.corrections(), String.join(", ", setup.baselines().stream().map(b -> "`" + b + "`").toList()), setup.headAligned() ? " (head-aligned)" : "",
                tableSource, table.version(), table.runtime(), table.threads(), table.date(), table.machine(), EngineDefaults.threads(), setup.timingWarmups(),
                setup.timingRounds(), setup.testImages(), setup.finetune() == null ? "; no fine-tuning in this run (--finetune adds it)"
                        : "; after KD: " + setup.finetune(), Machine.describe(), LocalDate.now());
    }

    String goals() {
        StringBuilder md = new StringBuilder("## Goals\n\n");
        md.append(predictionGoal()).append(budgetGoal());
        md.append(top1Goal("top1", "before fine-tuning"));
        md.append(setup.finetune() == null ? "- Top-1 at equal measured latency after fine-tuning: not measured (run with --finetune).\n"
                : top1Goal("top1_ft", "after fine-tuning"));
        md.append("""

                Equal measured latency: a baseline's front is the Pareto front of its models' (measured latency, top-1) at that batch, the \
                unpruned model included, linear between neighbouring points; a latency-selected model is compared with each front at its \
                own measured latency. A model faster than a front's fastest point has no baseline at its latency: it dominates the front \
                (counted as met) when its top-1 is at least the fastest point's, else it is listed as not compared (not met). After fine-tuning the fronts hold the fine-tuned baselines only.

                """);
        return md.toString();
    }

    private String predictionGoal() {
        Tally absolute = new Tally();
        Tally relative = new Tally();
        for (LatencyCell cell : cells) {
            Map<String, String> row = row(cell);
            for (int batch : LatencyExperiment.BATCHES) {
                if (row == null || !has(row, "ms_b" + batch) || (cell.isLatency() && cell.planBatch() != batch)) {
                    continue;
                }
                String where = cell + (cell.isLatency() ? "" : " at batch " + batch);
                absolute.add(where, predictionError(row, batch));
                Double error = relativeError(row, batch);
                if (!cell.isUnpruned() && error != null) {
                    relative.add(where, error);
                }
            }
        }
        if (absolute.checked == 0) {
            return "- Predicted latency within 10% of the measured one: not measured yet.\n";
        }
        return String.format(Locale.ROOT, "- Predicted latency within 10%% of the measured one for every plan (each latency-selected model at the "
                + "batch it was planned for, every other model at both): **%s**: %s. As a fraction of the unpruned model's latency (each "
                + "prediction divided by the unpruned model's, each measurement by the unpruned model's in the same session, so that the "
                + "machine's drift between calibration and timing cancels; budgets are such fractions): %s.%n",
                absolute.misses.isEmpty() ? "met" : "not met", absolute, relative.checked == 0 ? "not measured yet" : relative);
    }

    /** Prediction errors: how many were checked, the largest, and those outside the tolerance. */
    private static final class Tally {
        private final List<String> misses = new ArrayList<>();
        private int checked;
        private double worst;
        private String worstWhere = "";

        void add(String where, double error) {
            checked++;
            if (Math.abs(error) > Math.abs(worst)) {
                worst = error;
                worstWhere = where;
            }
            if (Math.abs(error) > PREDICTION_TOLERANCE) {
                misses.add(String.format(Locale.ROOT, "%s %+.1f%%", where, 100 * error));
            }
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%d of %d within; largest error %+.1f%% (%s)%s", checked - misses.size(), checked, 100 * worst, worstWhere,
                    misses.isEmpty() ? "" : "; outside: " + String.join(", ", misses));
        }
    }

    private String budgetGoal() {
        List<String> misses = new ArrayList<>();
        List<String> margins = new ArrayList<>();
        for (LatencyCell cell : cells) {
            if (!cell.isLatency()) {
                continue;
            }
            Map<String, String> row = row(cell);
            Double over = row == null ? null : overBudget(row, cell);
            if (row != null && !reachable(row)) {
                misses.add(cell + ": no plan (" + row.get("note") + ")");
            } else if (over != null) {
                margins.add(String.format(Locale.ROOT, "%.2f@b%d %+.1f%%", cell.target(), cell.planBatch(), 100 * over));
                if (over > BUDGET_TOLERANCE - 1) {
                    misses.add(String.format(Locale.ROOT, "%s: %.1f%% over the budget (IQR %.1f%% of its median)", cell, 100 * over,
                            100 * spread(row, cell.planBatch())));
                }
            }
        }
        if (margins.isEmpty() && misses.isEmpty()) {
            return "- Every latency-selected model meets its budget (measured <= budget x 1.05): not measured yet.\n";
        }
        return String.format(Locale.ROOT, "- Every latency-selected model meets its budget (measured <= budget x 1.05), batch 1 and 32: **%s**; "
                + "measured over budget, per budget and batch: %s%s.%n", misses.isEmpty() ? "met" : "not met", String.join(", ", margins),
                misses.isEmpty() ? "" : "; missed: " + String.join("; ", misses));
    }

    private String top1Goal(String column, String when) {
        List<String> misses = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        List<String> dominating = new ArrayList<>();
        List<String> waiting = new ArrayList<>();
        int compared = 0;
        boolean measured = false;
        double least = Double.POSITIVE_INFINITY;
        for (LatencyCell cell : cells) {
            if (!cell.isLatency()) {
                continue;
            }
            Map<String, String> row = row(cell);
            if (row != null && !reachable(row)) {
                misses.add(cell + ": no plan");
                continue;
            }
            String ms = "ms_b" + cell.planBatch();
            if (row == null || !has(row, ms) || !has(row, column)) {
                waiting.add(cell.toString());
                continue;
            }
            for (String baseline : setup.baselines()) {
                if (points(other -> other.selector().equals(baseline), cell.planBatch(), other -> column).isEmpty()) {
                    waiting.add(cell + " vs " + baseline); // no model of this baseline has the column yet (e.g. none fine-tuned)
                    continue;
                }
                measured = true;
                LatencyFront baselineFront = front(baseline, cell.planBatch(), column);
                OptionalDouble front = baselineFront.top1At(number(row, ms));
                if (front.isEmpty()) {
                    // Faster than every model of the baseline: it dominates the front if it is as accurate as the fastest of them.
                    LatencyFront.Point fastest = baselineFront.points().get(0);
                    double lead = 100 * (number(row, column) - fastest.top1());
                    (lead >= 0 ? dominating : outside).add(String.format(Locale.ROOT, "%s vs %s (%+.2f points over its fastest model, %.3f ms)", cell,
                            baseline, lead, fastest.ms()));
                    continue;
                }
                double difference = 100 * (number(row, column) - front.getAsDouble());
                compared++;
                least = Math.min(least, difference);
                if (difference < 0) {
                    misses.add(String.format(Locale.ROOT, "%s %.2f points below %s", cell, -difference, baseline));
                }
            }
        }
        if (!measured) {
            return "- Top-1 at equal measured latency " + when + ": not measured yet" + (misses.isEmpty() ? "" : " (" + String.join(", ", misses) + ")")
                    + ": it needs latency-selected models and " + String.join(" or ", setup.baselines()) + " models " + when + ".\n";
        }
        return String.format(Locale.ROOT, "- Top-1 of `%s` + `latency` >= %s at equal measured latency at every budget, %s: **%s**; %d "
                + "comparisons%s%s%s%s%s.%n", setup.scorer(), String.join(" and ", setup.baselines()), when,
                !misses.isEmpty() || !outside.isEmpty() ? "not met" : waiting.isEmpty() ? "met" : "not measured at every budget yet", compared,
                compared == 0 ? "" : String.format(Locale.ROOT, ", the smallest lead %+.2f points", least),
                misses.isEmpty() ? "" : "; behind: " + String.join(", ", misses),
                outside.isEmpty() ? "" : "; faster than every baseline model but less accurate than the fastest (no comparison): "
                        + String.join(", ", outside),
                dominating.isEmpty() ? "" : "; faster than every baseline model and at least as accurate as the fastest (it dominates the "
                        + "front): " + String.join(", ", dominating),
                waiting.isEmpty() ? "" : "; not measured yet: " + String.join(", ", waiting));
    }

    private String batchSection(int batch) {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "## Batch %d%n%n![top-1 against measured latency at batch %d](%s-b%d.png)%n%n",
                batch, batch, out.getFileName(), batch));
        Map<String, String> unpruned = row(LatencyCell.unpruned());
        if (unpruned != null && has(unpruned, "ms_b" + batch)) {
            md.append(String.format(Locale.ROOT, "Unpruned: %s ms measured, %.3f ms predicted (%+.1f%%), top-1 %.2f%%.%n%n", measured(unpruned, batch),
                    number(unpruned, "predicted_ms_b" + batch), 100 * predictionError(unpruned, batch), 100 * number(unpruned, "top1")));
        }
        md.append("### `latency` planned for this batch\n\n"
                + "Over budget: measured latency / (budget x the unpruned model's measured latency) - 1 (the goal allows +5%). "
                + "Planned at: the budget (of the unpruned model's predicted latency) the kept plan was planned at after the measured "
                + "corrections, and in brackets the fraction of the unpruned model it was measured at then. "
                + "Fronts: each baseline's top-1 at this model's measured latency (n/a: faster than all its models).\n\n"
                + "| budget | planned at (measured) | measured ms (IQR) | over budget | predicted ms | error | error as a fraction of unpruned | heads | attention channels "
                + "| MLP units | MMACs / image "
                + "| top-1 |");
        setup.baselines().forEach(b -> md.append(' ').append(b).append(" front |"));
        md.append(" top-1 after KD |");
        setup.baselines().forEach(b -> md.append(' ').append(b).append(" front after KD |"));
        md.append("\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|").append("---:|".repeat(2 * setup.baselines().size() + 1)).append('\n');
        for (LatencyCell cell : cells) {
            if (cell.isLatency() && cell.planBatch() == batch && row(cell) != null) {
                md.append(latencyRow(cell, row(cell), batch));
            }
        }
        md.append("\n### Baselines\n\n| selector | ratio | measured ms (IQR) | predicted ms | error | error as a fraction of unpruned | heads "
                + "| attention channels | MLP units | MMACs / image | top-1 | top-1 after KD |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
        for (LatencyCell cell : cells) {
            Map<String, String> row = row(cell);
            if (!cell.isLatency() && !cell.isUnpruned() && row != null) {
                md.append(String.format(Locale.ROOT, "| %s | %.2f | %s | %.3f | %s | %s | %s | %s | %s | %.1f | %.2f%% | %s |%n", cell.selector(),
                        cell.target(), measured(row, batch), number(row, "predicted_ms_b" + batch), error(row, batch), relativeErrorText(row, batch),
                        row.get("heads"), row.get("attention_channels"),
                        row.get("mlp_units"), number(row, "macs_per_image") / 1e6, 100 * number(row, "top1"), percent(row, "top1_ft")));
            }
        }
        return md.append('\n').toString();
    }

    private String latencyRow(LatencyCell cell, Map<String, String> row, int batch) {
        if (!reachable(row)) {
            return String.format(Locale.ROOT, "| %.2f | %s |%n", cell.target(), row.get("note"));
        }
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, "| %.2f | %s | %s | %s | %.3f | %s | %s | %s | %s | %s | %.1f | %.2f%% |",
                cell.target(), plannedAt(row), measured(row, batch), overBudget(row, cell) == null ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * overBudget(row, cell)),
                number(row, "predicted_ms_b" + batch), error(row, batch), relativeErrorText(row, batch), row.get("heads"), row.get("attention_channels"), row.get("mlp_units"),
                number(row, "macs_per_image") / 1e6, 100 * number(row, "top1")));
        for (String column : List.of("top1", "top1_ft")) {
            if (column.equals("top1_ft")) {
                md.append(' ').append(percent(row, column)).append(" |");
            }
            for (String baseline : setup.baselines()) {
                OptionalDouble front = has(row, "ms_b" + batch) && has(row, column)
                        ? front(baseline, batch, column).top1At(number(row, "ms_b" + batch)) : OptionalDouble.empty();
                md.append(front.isPresent() ? String.format(Locale.ROOT, " %.2f%% |", 100 * front.getAsDouble()) : " n/a |");
            }
        }
        return md.append('\n').toString();
    }

    /** A baseline's front at {@code batch} from {@code column} (top-1 without or after fine-tuning), with the unpruned model. */
    private LatencyFront front(String baseline, int batch, String column) {
        return new LatencyFront(points(cell -> cell.selector().equals(baseline) || cell.isUnpruned(), batch, cell -> cell.isUnpruned() ? "top1" : column));
    }

    private List<LatencyFront.Point> points(Predicate<LatencyCell> which, int batch, Function<LatencyCell, String> column) {
        List<LatencyFront.Point> points = new ArrayList<>();
        for (LatencyCell cell : cells) {
            Map<String, String> row = row(cell);
            if (which.test(cell) && row != null && has(row, "ms_b" + batch) && has(row, column.apply(cell))) {
                points.add(new LatencyFront.Point(number(row, "ms_b" + batch), number(row, column.apply(cell))));
            }
        }
        return points;
    }

    /** Top-1 against measured latency at {@code batch}: the latency-selected models and every baseline, without and after fine-tuning. */
    private void plot(int batch) throws IOException {
        XYChart chart = new XYChartBuilder().width(900).height(560).title(String.format(Locale.ROOT, "top-1 vs measured latency, batch %d (%s)",
                batch, setup.model().getFileName())).xAxisTitle("measured latency (ms, median)").yAxisTitle("top-1 (%)").build();
        chart.getStyler().setMarkerSize(8);
        for (String column : List.of("top1", "top1_ft")) {
            String suffix = column.equals("top1") ? "" : " after KD";
            add(chart, "latency" + suffix, points(cell -> cell.isLatency() && cell.planBatch() == batch, batch, cell -> column), true);
            for (String baseline : setup.baselines()) {
                add(chart, baseline + suffix, points(cell -> cell.selector().equals(baseline), batch, cell -> column), false);
            }
        }
        add(chart, "unpruned", points(LatencyCell::isUnpruned, batch, cell -> "top1"), true);
        if (chart.getSeriesMap().isEmpty()) {
            return;
        }
        AtomicFiles.write(Path.of(out + "-b" + batch + ".png"), stream -> BitmapEncoder.saveBitmap(chart, stream, BitmapEncoder.BitmapFormat.PNG));
    }

    private static void add(XYChart chart, String name, List<LatencyFront.Point> points, boolean scatter) {
        if (points.isEmpty()) {
            return;
        }
        List<LatencyFront.Point> sorted = points.stream().sorted(Comparator.comparingDouble(LatencyFront.Point::ms)).toList();
        XYSeries series = chart.addSeries(name, sorted.stream().mapToDouble(LatencyFront.Point::ms).toArray(),
                sorted.stream().mapToDouble(point -> 100 * point.top1()).toArray());
        series.setXYSeriesRenderStyle(scatter || sorted.size() == 1 ? XYSeries.XYSeriesRenderStyle.Scatter : XYSeries.XYSeriesRenderStyle.Line);
    }

    private String missing() {
        List<String> missing = new ArrayList<>();
        for (LatencyCell cell : cells) {
            Map<String, String> row = row(cell);
            if (row == null) {
                missing.add(cell.toString());
            } else if (reachable(row) && LatencyExperiment.BATCHES.stream().anyMatch(batch -> !has(row, "ms_b" + batch))) {
                missing.add(cell + " (timing)");
            } else if (setup.finetune() != null && reachable(row) && !cell.isUnpruned() && !has(row, "top1_ft")
                    && (cell.isLatency() || setup.finetuneRatios().contains(cell.target()))) {
                missing.add(cell + " (fine-tune)");
            }
        }
        return missing.isEmpty() ? "" : "Not run yet (the command continues where it stopped): " + String.join(", ", missing) + ".\n";
    }

    private static String plannedAt(Map<String, String> row) {
        if (!has(row, "planned_budget")) {
            return "-";
        }
        return String.format(Locale.ROOT, "%.3f", number(row, "planned_budget"))
                + (has(row, "planning_measured") ? String.format(Locale.ROOT, " (%.3f)", number(row, "planning_measured")) : "");
    }

    /** Measured over the budget, as a fraction (0.03 = 3% over); null until both are timed. */
    private Double overBudget(Map<String, String> row, LatencyCell cell) {
        Map<String, String> unpruned = row(LatencyCell.unpruned());
        String ms = "ms_b" + cell.planBatch();
        if (unpruned == null || !has(unpruned, ms) || !has(row, ms)) {
            return null;
        }
        return number(row, ms) / (cell.target() * number(unpruned, ms)) - 1;
    }

    private static double predictionError(Map<String, String> row, int batch) {
        return number(row, "predicted_ms_b" + batch) / number(row, "ms_b" + batch) - 1;
    }

    /** The error of the predicted fraction of the unpruned model's latency (null until both are timed). */
    private Double relativeError(Map<String, String> row, int batch) {
        Map<String, String> unpruned = row(LatencyCell.unpruned());
        if (unpruned == null || !has(unpruned, "ms_b" + batch) || !has(row, "ms_b" + batch)) {
            return null;
        }
        return (predictionError(row, batch) + 1) / (predictionError(unpruned, batch) + 1) - 1;
    }

    private static String error(Map<String, String> row, int batch) {
        return has(row, "ms_b" + batch) ? String.format(Locale.ROOT, "%+.1f%%", 100 * predictionError(row, batch)) : "-";
    }

    private String relativeErrorText(Map<String, String> row, int batch) {
        Double error = relativeError(row, batch);
        return error == null ? "-" : String.format(Locale.ROOT, "%+.1f%%", 100 * error);
    }

    private static double spread(Map<String, String> row, int batch) {
        return (number(row, "ms_q3_b" + batch) - number(row, "ms_q1_b" + batch)) / number(row, "ms_b" + batch);
    }

    private static String measured(Map<String, String> row, int batch) {
        return has(row, "ms_b" + batch) ? String.format(Locale.ROOT, "%.3f (%.3f-%.3f)", number(row, "ms_b" + batch), number(row, "ms_q1_b" + batch),
                number(row, "ms_q3_b" + batch)) : "-";
    }

    private static String percent(Map<String, String> row, String column) {
        return has(row, column) ? String.format(Locale.ROOT, "%.2f%%", 100 * number(row, column)) : "-";
    }

    private Map<String, String> row(LatencyCell cell) {
        return results.row(cell.key());
    }

    private static boolean reachable(Map<String, String> row) {
        return row.get("note").equals(LatencyExperiment.MISSING);
    }

    private static boolean has(Map<String, String> row, String column) {
        return !row.get(column).equals(LatencyExperiment.MISSING);
    }

    private static double number(Map<String, String> row, String column) {
        return Double.parseDouble(row.get(column));
    }
}
