package io.vitprune.experiments;

import io.vitprune.api.UnitKind;
import io.vitprune.core.Machine;
import io.vitprune.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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

/** The scoring-estimates report: agreement, time and top-1 tables, the goals, and a scatter plot of exact against estimated L_KL. */
record ScoringEstimatesReport(ScoringEstimatesExperiment.Tables tables, List<UnitKind> kinds, List<Integer> images, List<Double> ratios,
        long seed, Path out, String command, int testImages) {
    static final double GOAL_SECONDS = 10;
    static final double GOAL_SPEARMAN = 0.8;
    static final double GOAL_POINTS = 1.0;
    /** The quantities the Spearman goal is about: those whose own split-half reliability is high (KL-based ones). */
    static final List<String> RELIABLE = List.of("L_KL", "kd-importance:alpha=10", "regression-stability:ce-target=teacher");
    private static final List<String> ESTIMATES = List.of("taylor", "fisher");

    /** Writes the markdown, and the plot when {@code points} holds any (exact and Fisher L_KL per unit, by kind). */
    void write(Map<UnitKind, List<double[]>> points) throws IOException {
        StringBuilder md = new StringBuilder();
        md.append("# Scoring estimates: gradient estimates of the ablation losses against the exact ablation\n\n")
                .append(String.format("Produced by `%s` on %s, %s. Scoring set: seed %d of the training split "
                        + "(the paper table's draw); top-1 on %d test images, no fine-tuning.%n%n", command, Machine.describe(),
                        LocalDate.now(), seed, testImages))
                .append("`exact` masks each unit alone and runs the model (`estimate=exact`, the default); `taylor` and `fisher` estimate "
                        + "every unit's losses from the gradient of each image's label cross-entropy with respect to per-image unit masks, "
                        + "in one forward and backward pass per batch for all units: `taylor` to first order (its L_KL is 0: the KL's "
                        + "gradient vanishes where student and teacher are the same model), `fisher` with the squared-gradient (empirical "
                        + "Fisher) second-order term (docs/methods-notes.md, \"Scoring estimates\").\n\n")
                .append(ReportNotes.cellOptions(tables.agreement()));
        agreement(md);
        time(md);
        top1(md);
        goals(md);
        if (!points.isEmpty()) {
            plot(points);
            md.append("\n![exact against Fisher-estimated L_KL per unit](").append(out.getFileName()).append(".png)\n");
        }
        AtomicFiles.write(Path.of(out + ".md"), md.toString().getBytes(StandardCharsets.UTF_8));
        System.out.println("wrote " + out + ".md" + (points.isEmpty() ? "" : " and .png"));
    }

    private void agreement(StringBuilder md) {
        md.append("## Rank agreement with the exact ablation\n\nSpearman correlation between exact and estimated values over all units of "
                + "all blocks, and the range of the per-block correlations in brackets. Criteria are scored as under the global selector "
                + "(stability fitted over all blocks).\n\n");
        for (UnitKind kind : kinds) {
            md.append("**").append(kind.id()).append("**\n\n| images | estimate | ")
                    .append(String.join(" | ", ScoringEstimatesExperiment.QUANTITIES.keySet())).append(" |\n|---|---|")
                    .append("---|".repeat(ScoringEstimatesExperiment.QUANTITIES.size())).append('\n');
            for (int count : images) {
                for (String estimate : ESTIMATES) {
                    List<String> cells = new ArrayList<>();
                    for (String quantity : ScoringEstimatesExperiment.QUANTITIES.keySet()) {
                        Map<String, String> row = tables.agreement().row(kind.id(), count, estimate, quantity);
                        cells.add(row == null ? "not run" : row.get("overall").equals("NaN") ? "n/a (constant)" : String.format(Locale.ROOT,
                                "%.2f (%.2f .. %.2f)", number(row, "overall"), number(row, "per_block_min"), number(row, "per_block_max")));
                    }
                    md.append("| ").append(count).append(" | ").append(estimate).append(" | ").append(String.join(" | ", cells)).append(" |\n");
                }
            }
            md.append('\n');
        }
    }

    private void time(StringBuilder md) {
        md.append("## Scoring time\n\nWall seconds of one scoring of every unit of the kind (one run each, timed inside the experiment: work "
                + "beside it on the machine slows every figure, and the experiment does not know; time it alone for ratios to quote). "
                + "Exact losses of larger sets come from the paper table's shared, resumable measurement and are not timed here; "
                + "docs/scoring-benchmark.md times them.\n\n| kind | units | images | exact (s) | taylor (s) | fisher (s) | exact / fisher |\n"
                + "|---|---|---|---|---|---|---|\n");
        for (UnitKind kind : kinds) {
            for (int count : images) {
                Map<String, String> exact = tables.time().row(kind.id(), count, "exact");
                Map<String, String> taylor = tables.time().row(kind.id(), count, "taylor");
                Map<String, String> fisher = tables.time().row(kind.id(), count, "fisher");
                String units = fisher != null ? fisher.get("units") : exact != null ? exact.get("units") : "";
                md.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s |%n", kind.id(), units, count, seconds(exact),
                        seconds(taylor), seconds(fisher), exact != null && fisher != null
                                ? String.format(Locale.ROOT, "%.0fx", number(exact, "seconds") / number(fisher, "seconds")) : "-"));
            }
        }
        md.append('\n');
    }

    private void top1(StringBuilder md) {
        int count = images.get(images.size() - 1);
        md.append("## Top-1 after pruning with exact and estimated scores\n\nScores from ").append(count)
                .append(" scoring images, no fine-tuning.\n\n");
        for (UnitKind kind : kinds) {
            Map<String, String> none = tables.top1().row(kind.id(), "none", "-", "-", "0.00");
            md.append("**").append(kind.id()).append("**").append(none == null ? "" : String.format(Locale.ROOT, " (unpruned: %.2f%%)",
                    100 * number(none, "top1"))).append("\n\n| criterion | method |");
            for (String selector : ScoringEstimatesExperiment.SELECTORS) {
                for (double ratio : ratios) {
                    md.append(String.format(Locale.ROOT, " %s %.0f%% |", selector, 100 * ratio));
                }
            }
            md.append("\n|---|---|").append("---|".repeat(ratios.size() * ScoringEstimatesExperiment.SELECTORS.size())).append('\n');
            for (Criterion criterion : ScoringEstimatesExperiment.CRITERIA) {
                for (String method : ScoringEstimatesExperiment.METHODS) {
                    md.append("| ").append(criterion.id()).append(" | ").append(method).append(" |");
                    for (String selector : ScoringEstimatesExperiment.SELECTORS) {
                        for (double ratio : ratios) {
                            Map<String, String> row = tables.top1().row(kind.id(), criterion.id(), method, selector, key(ratio));
                            md.append(row == null ? " not run |" : String.format(Locale.ROOT, " %.2f |", 100 * number(row, "top1")));
                        }
                    }
                    md.append('\n');
                }
            }
            md.append('\n');
        }
    }

    private void goals(StringBuilder md) {
        int count = images.get(images.size() - 1);
        md.append("## Goals\n\n");
        Map<String, String> time = tables.time().row(UnitKind.ATTENTION_CHANNEL.id(), count, "fisher");
        md.append(time == null ? "- Time: not run.\n" : String.format(Locale.ROOT, "- Fisher estimates of every attention channel on %d images "
                + "in <= %.0f s: %.1f s, %s.%n", count, GOAL_SECONDS, number(time, "seconds"), number(time, "seconds") <= GOAL_SECONDS ? "met" : "missed"));
        for (UnitKind kind : kinds) {
            List<String> figures = new ArrayList<>();
            boolean met = true;
            boolean run = true;
            for (String quantity : RELIABLE) {
                Map<String, String> row = tables.agreement().row(kind.id(), count, "fisher", quantity);
                if (row == null) {
                    run = false;
                    figures.add(quantity + " not run");
                } else {
                    met &= number(row, "overall") >= GOAL_SPEARMAN;
                    figures.add(String.format(Locale.ROOT, "%s %.2f", quantity, number(row, "overall")));
                }
            }
            md.append(String.format(Locale.ROOT, "- Spearman >= %.1f with the exact values over all %s units (Fisher, %d images, the KL-based "
                    + "quantities whose own split-half reliability is high): %s; %s.%n", GOAL_SPEARMAN, kind.id(), count,
                    String.join(", ", figures), !run ? "not measured yet" : met ? "met" : "missed"));
            double worst = 0;
            int compared = 0;
            for (Criterion criterion : ScoringEstimatesExperiment.CRITERIA) {
                for (String selector : ScoringEstimatesExperiment.SELECTORS) {
                    for (double ratio : ratios.stream().filter(ratio -> ratio <= 0.5).toList()) {
                        Map<String, String> exact = tables.top1().row(kind.id(), criterion.id(), "exact", selector, key(ratio));
                        Map<String, String> fisher = tables.top1().row(kind.id(), criterion.id(), "fisher", selector, key(ratio));
                        if (exact != null && fisher != null) {
                            worst = Math.max(worst, 100 * (number(exact, "top1") - number(fisher, "top1")));
                            compared++;
                        }
                    }
                }
            }
            md.append(compared == 0 ? "- Top-1 of " + kind.id() + " pruning: not run.\n" : String.format(Locale.ROOT, "- Top-1 after pruning %s "
                    + "at 30-50%% with Fisher scores within %.0f point of the exact scores' (%d cells, both criteria and selectors): the "
                    + "largest shortfall is %.2f points, %s.%n", kind.id(), GOAL_POINTS, compared, worst, worst <= GOAL_POINTS ? "met" : "missed"));
        }
    }

    private void plot(Map<UnitKind, List<double[]>> points) throws IOException {
        XYChart chart = new XYChartBuilder().width(800).height(600).title("L_KL per unit: exact against Fisher estimate (" + images.get(images.size() - 1)
                + " images)").xAxisTitle("exact L_KL").yAxisTitle("Fisher-estimated L_KL").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(4);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisLogarithmic(true);
        double low = Double.MAX_VALUE;
        double high = 0;
        for (Map.Entry<UnitKind, List<double[]>> kind : points.entrySet()) {
            // Log axes: a unit estimated or measured at exactly 0 cannot be drawn and is left out.
            List<double[]> positive = kind.getValue().stream().filter(pair -> pair[0] > 0 && pair[1] > 0).toList();
            chart.addSeries(kind.getKey().id(), positive.stream().mapToDouble(pair -> pair[0]).toArray(),
                    positive.stream().mapToDouble(pair -> pair[1]).toArray());
            for (double[] pair : positive) {
                low = Math.min(low, Math.min(pair[0], pair[1]));
                high = Math.max(high, Math.max(pair[0], pair[1]));
            }
        }
        XYSeries diagonal = chart.addSeries("estimate = exact", new double[] {low, high}, new double[] {low, high});
        diagonal.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        AtomicFiles.write(Path.of(out + ".png"), stream -> BitmapEncoder.saveBitmap(chart, stream, BitmapEncoder.BitmapFormat.PNG));
    }

    private static String seconds(Map<String, String> row) {
        return row == null ? "-" : String.format(Locale.ROOT, "%.1f", number(row, "seconds"));
    }

    private static double number(Map<String, String> row, String column) {
        return Double.parseDouble(row.get(column));
    }

    private static String key(double ratio) {
        return String.format("%.2f", ratio);
    }
}
