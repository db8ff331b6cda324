package io.vitprune.experiments.report;

import io.vitprune.api.InvalidInputException;
import io.vitprune.experiments.report.JmhResults.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The runtime section of the benchmark report: {@code RuntimeForwardBenchmark}'s latency of the
 * same models and plans on libtorch and ONNX Runtime (float32, int8) in one run; per runtime the
 * realized speed-up {@code (1 - latency ratio) / (1 - MAC ratio)} against that runtime's own
 * unpruned model, and int8 latency against the unpruned float32 libtorch model; and where the
 * issue's goals are met.
 */
public record RuntimeReport(Map<BenchReport.Group, Map<String, Map<String, Result>>> byGroup, Map<BenchReport.Group, Map<String, Result>> gemm,
        List<Result> all) {
    static final String UNPRUNED = "RuntimeForwardBenchmark.unpruned";
    static final String PRUNED = "RuntimeForwardBenchmark.pruned";
    static final String GEMM = "RuntimeForwardBenchmark.gemm";
    static final String LIBTORCH = "libtorch";
    static final String INT8 = "onnxruntime-int8";
    static final String UNPRUNED_PLAN = "unpruned";
    private static final List<String> RUNTIME_ORDER = List.of(LIBTORCH, "onnxruntime", INT8);
    private static final List<String> SELECTOR_ORDER = List.of("uniform", "global");
    /** The goals: realized speed-up at 30-50% and at 70%, and int8 + 50% against unpruned float32 libtorch. */
    static final double REALIZED_GOAL_UP_TO_HALF = 1.0;
    static final double REALIZED_GOAL_AT_70 = 0.9;
    static final double INT8_HALF_GOAL = 0.4;
    /** The unpruned forward's MAC rate at batch 1 as a fraction of the same runtime's GEMM rate on the model's largest product. */
    static final double GEMM_FRACTION_GOAL = 0.75;

    /** The section's results by (model, batch), plan and runtime, or null when the file holds none. */
    static RuntimeReport of(JmhResults results) {
        List<Result> all = new ArrayList<>(results.named(UNPRUNED));
        all.addAll(results.named(PRUNED));
        if (all.isEmpty()) {
            return null;
        }
        Map<BenchReport.Group, Map<String, Map<String, Result>>> byGroup = new TreeMap<>(Comparator.comparing(BenchReport.Group::model)
                .thenComparingInt(BenchReport.Group::batch));
        all.stream().sorted(Comparator.comparing(RuntimeReport::planOrder)).forEach(r -> {
            String where = "JMH results " + results.file() + ": " + r.describe();
            for (String name : List.of("model", "batch", "runtime")) {
                if (r.param(name) == null) {
                    throw new InvalidInputException(where + " has no '" + name + "' parameter: expected results of vitprune's RuntimeForwardBenchmark");
                }
            }
            BenchReport.Group group = new BenchReport.Group(r.param("model"), Integer.parseInt(r.param("batch")));
            Map<String, Result> runtimes = byGroup.computeIfAbsent(group, g -> new LinkedHashMap<>()).computeIfAbsent(plan(r), p -> new TreeMap<>(
                    Comparator.comparingInt((String runtime) -> rank(RUNTIME_ORDER, runtime)).thenComparing(runtime -> runtime)));
            if (runtimes.put(r.param("runtime"), r) != null) {
                throw new InvalidInputException("JMH results " + results.file() + " hold " + r.describe() + " twice: expected one result per configuration (one run)");
            }
        });
        byGroup.forEach((group, plans) -> plans.forEach((plan, runtimes) -> runtimes.keySet().forEach(runtime -> {
            if (!plans.containsKey(UNPRUNED_PLAN) || !plans.get(UNPRUNED_PLAN).containsKey(runtime)) {
                throw new InvalidInputException("no unpruned baseline for " + runtimes.get(runtime).describe() + ": expected " + UNPRUNED
                        + " with model=" + group.model() + ", batch=" + group.batch() + ", runtime=" + runtime + " in the same results file "
                        + results.file() + " (run RuntimeForwardBenchmark.unpruned and .pruned in one JMH run)");
            }
        })));
        Map<BenchReport.Group, Map<String, Result>> gemm = new TreeMap<>(Comparator.comparing(BenchReport.Group::model)
                .thenComparingInt(BenchReport.Group::batch));
        for (Result r : results.named(GEMM)) {
            BenchReport.Group group = new BenchReport.Group(r.param("model"), Integer.parseInt(r.param("batch")));
            gemm.computeIfAbsent(group, g -> new TreeMap<>()).put(r.param("gemmRuntime"), r);
        }
        return new RuntimeReport(byGroup, gemm, all);
    }

    /** {@code unpruned}, or {@code global 50%}: selector and share of attention channels removed. */
    static String plan(Result r) {
        return r.shortName().equals(UNPRUNED) ? UNPRUNED_PLAN
                : r.param("selector") + " " + String.format(Locale.ROOT, "%.0f%%", 100 * ratio(r)) + strategySuffix(r);
    }

    private static String strategySuffix(Result r) {
        String strategy = r.param("strategy");
        return strategy == null || strategy.equals("weight-l1") ? "" : " " + strategy;
    }

    private static double ratio(Result r) {
        try {
            return Double.parseDouble(r.param("ratio"));
        } catch (NumberFormatException | NullPointerException e) {
            throw new InvalidInputException(r.describe() + " has ratio '" + r.param("ratio") + "': expected a number in (0, 1)", e);
        }
    }

    private static String planOrder(Result r) {
        return r.shortName().equals(UNPRUNED) ? "0" : String.format(Locale.ROOT, "1 %d %s %.4f %s", rank(SELECTOR_ORDER, r.param("selector")),
                r.param("selector"), ratio(r), strategySuffix(r));
    }

    private static int rank(List<String> known, String value) {
        int index = known.indexOf(value);
        return index < 0 ? known.size() : index;
    }

    static double macs(Result r) {
        Double macs = r.counters().get("macsPerCall");
        if (macs == null || !(macs > 0)) {
            throw new InvalidInputException(r.describe() + " has no counter 'macsPerCall' > 0: expected results of a benchmarks.jar that records it");
        }
        return macs;
    }

    /** Latency cut / MAC cut of {@code r} against {@code base} (NaN for the baseline itself). */
    static double realized(Result r, Result base) {
        double macRatio = macs(r) / macs(base);
        return macRatio < 1 ? (1 - r.milliseconds() / base.milliseconds()) / (1 - macRatio) : Double.NaN;
    }

    private List<String> runtimes(Map<String, Map<String, Result>> plans) {
        return List.copyOf(plans.get(UNPRUNED_PLAN).keySet());
    }

    String markdown(String plot) {
        StringBuilder md = new StringBuilder("\n## Runtimes side by side: RuntimeForwardBenchmark\n\n").append(String.format(Locale.ROOT, """
                The same models and plans on libtorch (vitprune's DJL forward), ONNX Runtime (`onnxruntime`: the model exported by \
                `vitprune export`, float32) and ONNX Runtime with dynamic int8 weights (`onnxruntime-int8`), in one run. ONNX Runtime \
                intra-op threads: %s (set to libtorch's). Plans: `uniform` removes the same share of every block, heads kept equal-width; \
                `global` ranks channels over all blocks (ragged heads); both by `weight-l1`. Latency: mean of one forward pass of the \
                batch +- JMH's 99.9%% half-width. **Realized** = latency cut / MAC cut against the same runtime's unpruned model. \
                Last column: int8 latency / the unpruned float32 libtorch latency.
                """, BenchReport.distinct(all, r -> counterText(r, "runtimeThreads"))));
        if (plot != null) {
            md.append("\n![latency ratio vs MAC ratio per runtime](").append(plot).append(")\n");
        }
        md.append(goals());
        byGroup.forEach((group, plans) -> {
            List<String> runtimes = runtimes(plans);
            md.append("\n### ").append(group.title()).append("\n\n| plan | MAC ratio |");
            runtimes.forEach(runtime -> md.append(' ').append(runtime).append(" (ms) | realized |"));
            boolean int8 = runtimes.contains(INT8) && runtimes.contains(LIBTORCH);
            md.append(int8 ? " int8 / unpruned fp32 libtorch |" : "").append("\n|---|---:|").append("---:|---:|".repeat(runtimes.size()))
                    .append(int8 ? "---:|" : "").append('\n');
            Map<String, Result> base = plans.get(UNPRUNED_PLAN);
            plans.forEach((plan, cells) -> {
                Result any = cells.values().iterator().next();
                md.append("| ").append(plan).append(" | ").append(BenchReport.fixed(macs(any) / macs(base.get(any.param("runtime"))), 3)).append(" |");
                for (String runtime : runtimes) {
                    Result r = cells.get(runtime);
                    md.append(' ').append(r == null ? "" : BenchReport.latency(r)).append(" | ")
                            .append(r == null || Double.isNaN(realized(r, base.get(runtime))) ? "-" : BenchReport.fixed(realized(r, base.get(runtime)), 2))
                            .append(" |");
                }
                if (int8) {
                    Result r = cells.get(INT8);
                    md.append(' ').append(r == null ? "" : BenchReport.fixed(r.milliseconds() / base.get(LIBTORCH).milliseconds(), 3)).append(" |");
                }
                md.append('\n');
            });
        });
        return md.toString();
    }

    /**
     * Per (model, batch) and runtime the lowest realized speed-up at 30-50% and at 70% over both
     * plans against the goals, the fastest runtime on the unpruned model marked; and int8 + 50%
     * against unpruned float32 libtorch.
     */
    private String goals() {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT, """

                ### Goals

                Lowest realized speed-up over the uniform and global plans (goal: >= %.1f at 30-50%% of attention channels removed, \
                >= %.1f at 70%%); `*` marks the runtime fastest on the unpruned model of that model and batch.

                | model, batch | runtime | lowest realized, 30-50%% | met | lowest realized, 70%% | met |
                |---|---|---:|---|---:|---|
                """, REALIZED_GOAL_UP_TO_HALF, REALIZED_GOAL_AT_70));
        StringBuilder int8 = new StringBuilder();
        byGroup.forEach((group, plans) -> {
            Map<String, Result> base = plans.get(UNPRUNED_PLAN);
            String fastest = base.entrySet().stream().min(Comparator.comparingDouble(e -> e.getValue().milliseconds())).orElseThrow().getKey();
            for (String runtime : runtimes(plans)) {
                double upToHalf = lowestRealized(plans, runtime, ratio -> ratio > 0.29 && ratio < 0.51);
                double at70 = lowestRealized(plans, runtime, ratio -> Math.abs(ratio - 0.7) < 1e-6);
                md.append(String.format(Locale.ROOT, "| %s | %s%s | %s | %s | %s | %s |%n", group.title(), runtime, runtime.equals(fastest) ? " *" : "",
                        shown(upToHalf), met(upToHalf >= REALIZED_GOAL_UP_TO_HALF, upToHalf), shown(at70), met(at70 >= REALIZED_GOAL_AT_70, at70)));
            }
            plans.forEach((plan, cells) -> {
                Result r = cells.get(INT8);
                if (r != null && base.containsKey(LIBTORCH) && r.shortName().equals(PRUNED) && Math.abs(ratio(r) - 0.5) < 1e-6) {
                    double fraction = r.milliseconds() / base.get(LIBTORCH).milliseconds();
                    int8.append(String.format(Locale.ROOT, "| %s | %s | %.3f | %s |%n", group.title(), plan, fraction, met(fraction <= INT8_HALF_GOAL, fraction)));
                }
            });
        });
        md.append(gemmFractions());
        if (!int8.isEmpty()) {
            md.append(String.format(Locale.ROOT, """

                    int8 + 50%% pruning: latency / the unpruned float32 libtorch model's (goal: <= %.1f).

                    | model, batch | plan | int8 latency / unpruned fp32 libtorch | met |
                    |---|---|---:|---|
                    """, INT8_HALF_GOAL)).append(int8);
        }
        return md.toString();
    }

    /** Per (model, batch) and runtime with a GEMM result: the unpruned forward's MAC rate over the GEMM's, against the goal at batch 1. */
    private String gemmFractions() {
        StringBuilder rows = new StringBuilder();
        gemm.forEach((group, products) -> products.forEach((runtime, product) -> {
            Map<String, Map<String, Result>> plans = byGroup.get(group);
            Result forward = plans == null ? null : plans.get(UNPRUNED_PLAN).get(runtime);
            if (forward != null) {
                double forwardRate = macs(forward) / forward.milliseconds();
                double gemmRate = macs(product) / product.milliseconds();
                double fraction = forwardRate / gemmRate;
                rows.append(String.format(Locale.ROOT, "| %s | %s | %.1f | %.1f | %.2f | %s |%n", group.title(), runtime, forwardRate / 1e6,
                        gemmRate / 1e6, fraction, group.batch() == 1 ? met(fraction >= GEMM_FRACTION_GOAL, fraction) : ""));
            }
        }));
        return rows.isEmpty() ? "" : String.format(Locale.ROOT, """

                Unpruned forward MAC rate against the same runtime's GEMM rate on the model's largest product (a MatMul of the \
                batch's tokens with the largest Linear's weights, `RuntimeForwardBenchmark.gemm`, same run and threads); goal: >= %.2f \
                at batch 1.

                | model, batch | runtime | forward (GMAC/s) | GEMM (GMAC/s) | forward / GEMM | met |
                |---|---|---:|---:|---:|---|
                """, GEMM_FRACTION_GOAL) + rows;
    }

    /** The lowest realized speed-up of a runtime over the pruned plans whose ratio passes {@code ratios}; NaN when none. */
    private static double lowestRealized(Map<String, Map<String, Result>> plans, String runtime, Predicate<Double> ratios) {
        Result base = plans.get(UNPRUNED_PLAN).get(runtime);
        return plans.values().stream().map(cells -> cells.get(runtime))
                .filter(r -> r != null && r.shortName().equals(PRUNED) && ratios.test(ratio(r)))
                .mapToDouble(r -> realized(r, base)).min().orElse(Double.NaN);
    }

    private static String shown(double value) {
        return Double.isNaN(value) ? "not measured" : BenchReport.fixed(value, 2);
    }

    private static String met(boolean met, double value) {
        return Double.isNaN(value) ? "" : met ? "yes" : "no";
    }

    private static String counterText(Result r, String name) {
        Double value = r.counters().get(name);
        return value == null ? null : String.format(Locale.ROOT, "%.0f", value);
    }

    /** Latency ratio against MAC ratio, one series per runtime, model and batch, with the line y = x (realized 1.0). */
    XYChart chart() {
        XYChart chart = new XYChartBuilder().width(800).height(600).title("pruned / unpruned, each runtime (below the line: faster than MACs predict)")
                .xAxisTitle("MAC ratio (analytic)").yAxisTitle("latency ratio (measured, same runtime)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(8);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.05).setYAxisMin(0.0);
        XYSeries identity = chart.addSeries("y = x (realized 1.0)", new double[] {0, 1.05}, new double[] {0, 1.05});
        identity.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        identity.setMarker(SeriesMarkers.NONE);
        identity.setLineColor(java.awt.Color.GRAY);
        byGroup.forEach((group, plans) -> runtimes(plans).forEach(runtime -> {
            Result base = plans.get(UNPRUNED_PLAN).get(runtime);
            List<Result> points = plans.values().stream().map(cells -> cells.get(runtime)).filter(r -> r != null).toList();
            chart.addSeries(group.title() + ", " + runtime, points.stream().mapToDouble(r -> macs(r) / macs(base)).toArray(),
                    points.stream().mapToDouble(r -> r.milliseconds() / base.milliseconds()).toArray());
        }));
        return chart;
    }
}
