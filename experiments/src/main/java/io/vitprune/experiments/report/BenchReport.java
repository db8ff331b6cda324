package io.vitprune.experiments.report;

import io.vitprune.api.InvalidInputException;
import io.vitprune.experiments.report.JmhResults.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Turns {@code ForwardBenchmark} and {@code GemmBenchmark} results (one JMH run) into the
 * benchmark report: per model and batch, each configuration's latency, its ratio to the unpruned
 * model of the same run, the analytic MAC ratio (from the MACs each result recorded), the realized
 * speed-up {@code (1 - latency ratio) / (1 - MAC ratio)} and the forward pass's FLOP rate as a
 * fraction of the GEMM rate measured on the model's largest product.
 */
public final class BenchReport {
    static final String FORWARD_UNPRUNED = "ForwardBenchmark.unpruned";
    static final String FORWARD_PRUNED = "ForwardBenchmark.pruned";
    static final String GEMM = "GemmBenchmark.linear";
    private static final String NOT_RECORDED = "not recorded";
    /** Parameters that name a pruning configuration, in the order labels show them. */
    static final List<String> PLAN_PARAMS = List.of("strategy", "selector", "heads", "ratio");
    private static final List<String> SELECTOR_ORDER = List.of("uniform", "global");
    private static final List<String> HEADS_ORDER = List.of("aligned", "ragged");

    /** One (model, batch) cell of the sweep. */
    record Group(String model, int batch) {
        String title() {
            return model + ", batch " + batch;
        }
    }

    /** A configuration's figures; ratios are to the unpruned model of the same group. */
    record Row(Group group, String configuration, Result result, double latencyRatio, double latencyRatioError, double macRatio,
            double realized, double gflops, double gemmFraction) {
    }

    final JmhResults results;
    final Map<Group, List<Row>> groups = new LinkedHashMap<>();
    final Map<Group, Result> gemm = new LinkedHashMap<>();

    BenchReport(JmhResults results) {
        this.results = results;
        for (Result r : results.named(GEMM)) {
            Group group = group(r);
            if (gemm.put(group, r) != null) {
                throw new InvalidInputException("JMH results " + results.file() + " hold " + r.describe() + " twice: expected one result per configuration (one run)");
            }
        }
        Map<Group, Result> baselines = new LinkedHashMap<>();
        for (Result r : results.named(FORWARD_UNPRUNED)) {
            if (baselines.put(group(r), r) != null) {
                throw new InvalidInputException("JMH results " + results.file() + " hold " + r.describe() + " twice: expected one result per configuration (one run)");
            }
        }
        List<Result> pruned = new ArrayList<>(results.named(FORWARD_PRUNED));
        if (baselines.isEmpty() && pruned.isEmpty()) {
            throw new InvalidInputException("JMH results " + results.file() + " hold no " + FORWARD_UNPRUNED + " or " + FORWARD_PRUNED
                    + " results: expected a run of ForwardBenchmark (and GemmBenchmark)");
        }
        for (Result r : pruned) {
            Group group = group(r);
            if (!baselines.containsKey(group)) {
                throw new InvalidInputException("no unpruned baseline for " + r.describe() + ": expected " + FORWARD_UNPRUNED + " with model="
                        + group.model() + ", batch=" + group.batch() + " in the same results file " + results.file()
                        + " (run ForwardBenchmark.unpruned and .pruned in one JMH run)");
            }
        }
        Set<String> labels = new LinkedHashSet<>();
        List<Group> order = baselines.keySet().stream()
                .sorted(Comparator.comparing((Group g) -> modelOrder(g.model())).thenComparing(Group::model).thenComparingInt(Group::batch))
                .toList();
        for (Group group : order) {
            Result base = baselines.get(group);
            List<Row> rows = new ArrayList<>();
            Row baseline = row(group, "unpruned", base, base);
            rows.add(new Row(group, baseline.configuration(), base, 1, 0, 1, Double.NaN, baseline.gflops(), baseline.gemmFraction()));
            pruned.stream().filter(r -> group(r).equals(group)).sorted(PRUNED_ORDER).forEach(r -> {
                String label = label(r);
                if (!labels.add(group + label)) {
                    throw new InvalidInputException("JMH results " + results.file() + " hold " + r.describe() + " twice: expected one result per configuration (one run)");
                }
                rows.add(row(group, label, r, base));
            });
            groups.put(group, rows);
        }
    }

    private static final Comparator<Result> PRUNED_ORDER = Comparator
            .comparing((Result r) -> order(SELECTOR_ORDER, r.param("selector")))
            .thenComparing(r -> Objects.toString(r.param("selector"), ""))
            .thenComparing(r -> order(HEADS_ORDER, r.param("heads")))
            .thenComparing(r -> Objects.toString(r.param("strategy"), ""))
            .thenComparingDouble(r -> r.param("ratio") == null ? 0 : Double.parseDouble(r.param("ratio")))
            .thenComparing(BenchReport::label);

    private static int order(List<String> known, String value) {
        int index = known.indexOf(value);
        return index < 0 ? known.size() : index;
    }

    private static int modelOrder(String model) {
        return switch (model) {
            case "reference" -> 0;
            case "paper" -> 1;
            default -> 2;
        };
    }

    private Group group(Result r) {
        String model = r.param("model");
        String batch = r.param("batch");
        if (model == null || batch == null) {
            throw new InvalidInputException("JMH results " + results.file() + ": " + r.describe() + " has no 'model' and 'batch' parameters: "
                    + "expected results of vitprune's ForwardBenchmark / GemmBenchmark");
        }
        try {
            return new Group(model, Integer.parseInt(batch));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("JMH results " + results.file() + ": " + r.describe() + " has batch '" + batch + "': expected an integer");
        }
    }

    /** {@code weight-l1 global ragged 50%}: the pruning parameters, known ones first. */
    static String label(Result r) {
        List<String> parts = new ArrayList<>();
        for (String name : PLAN_PARAMS) {
            String value = r.param(name);
            if (value != null) {
                parts.add(name.equals("ratio") ? percent(value) : value);
            }
        }
        String execution = r.param("execution");
        if (execution != null && !execution.equals("grouped")) {
            parts.add(execution); // how ragged heads run; "grouped" is vitprune's own and goes unsaid
        }
        new TreeMap<>(r.params()).forEach((name, value) -> {
            if (!PLAN_PARAMS.contains(name) && !Set.of("model", "batch", "execution").contains(name)) {
                parts.add(name + "=" + value);
            }
        });
        return parts.isEmpty() ? "pruned" : String.join(" ", parts);
    }

    private static String percent(String ratio) {
        try {
            return String.format(Locale.ROOT, "%.0f%%", 100 * Double.parseDouble(ratio));
        } catch (NumberFormatException e) {
            return ratio;
        }
    }

    private Row row(Group group, String label, Result r, Result base) {
        double macs = requireCounter(r, "macsPerCall");
        double baseMacs = requireCounter(base, "macsPerCall");
        double latencyRatio = r.milliseconds() / base.milliseconds();
        double latencyRatioError = latencyRatio * Math.hypot(r.errorMilliseconds() / r.milliseconds(), base.errorMilliseconds() / base.milliseconds());
        double macRatio = macs / baseMacs;
        double realized = macRatio < 1 ? (1 - latencyRatio) / (1 - macRatio) : Double.NaN;
        double gflops = 2 * macs / (r.milliseconds() * 1e-3) / 1e9;
        Result gemmResult = gemm.get(group);
        double gemmFraction = gemmResult == null ? Double.NaN : gflops / gemmGflops(gemmResult);
        return new Row(group, label, r, latencyRatio, latencyRatioError, macRatio, realized, gflops, gemmFraction);
    }

    double gemmGflops(Result r) {
        return 2 * requireCounter(r, "macsPerCall") / (r.milliseconds() * 1e-3) / 1e9;
    }

    private double requireCounter(Result r, String name) {
        Double value = r.counters().get(name);
        if (value == null || !(value > 0)) {
            throw new InvalidInputException("JMH results " + results.file() + ": " + r.describe() + " has no counter '" + name
                    + "' > 0: expected results of a benchmarks.jar that records it (rebuild bench-jmh)");
        }
        return value;
    }

    /** Title, dates, machine, threads, JMH settings and commands: what every report of a results file starts with. */
    static String header(JmhResults results, String title, String reportCommand, String runCommand, String cpu, int reportCores) {
        StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
        List<Result> all = results.results();
        md.append(String.format(Locale.ROOT, "Measured %s (the date the results file was written, UTC); report written %s.%n%n", measuredDate(results),
                LocalDate.now(ZoneOffset.UTC)));
        String cores = distinct(all, r -> counterText(r, "cores"));
        if (cores.equals(NOT_RECORDED)) {
            md.append("- Machine: ").append(cpu).append(" (the report machine's: these benchmarks do not record their cores or threads; "
                    + "vitprune's engine defaults use one libtorch thread per core, inter-op 1).\n");
        } else {
            md.append("- Machine: ").append(cpu).append(", ").append(cores).append(" cores seen by the benchmark JVM");
            if (!cores.equals(String.valueOf(reportCores))) {
                md.append(String.format(Locale.ROOT, " (this report ran on a machine with %d: the CPU named is the report machine's and may not be "
                        + "the one measured)", reportCores));
            }
            md.append(".\n");
            md.append("- Threads: libtorch intra-op ").append(distinct(all, r -> counterText(r, "libtorchThreads")))
                    .append(", inter-op ").append(distinct(all, r -> counterText(r, "interopThreads")))
                    .append(" (as in effect in each benchmark JVM); JMH threads ").append(distinct(all, r -> String.valueOf(r.threads()))).append(".\n");
        }
        md.append("- JMH: mode ").append(distinct(all, Result::mode)).append(", forks ").append(distinct(all, r -> String.valueOf(r.forks())))
                .append(", warm-up ").append(distinct(all, Result::warmup)).append(", measurement ").append(distinct(all, Result::measurement))
                .append("; ").append(distinct(all, Result::vm)).append(' ').append(distinct(all, Result::jdk))
                .append("; fork JVM arguments `").append(distinct(all, r -> String.join(" ", r.jvmArgs()))).append("`.\n");
        if (runCommand != null) {
            md.append("- Produced by `").append(runCommand).append("`, then `").append(reportCommand).append("`.\n");
        } else {
            md.append("- Report: `").append(reportCommand).append("`.\n");
        }
        return md.toString();
    }

    /** The markdown report; {@code plot} is the PNG's path relative to the markdown's directory. */
    String markdown(String plot, String reportCommand, String runCommand, String cpu, int reportCores) {
        StringBuilder md = new StringBuilder(header(results, "Inference cost of unpruned and pruned ViTs", reportCommand, runCommand, cpu, reportCores));
        md.append("""

                Latency: mean time of one forward pass of the whole batch (images to logits, no gradient recording), +- JMH's 99.9% \
                confidence half-width (n/a after a single iteration). Latency ratio: pruned / unpruned latency of the same model and \
                batch in this run (+- propagated). MAC ratio: analytic multiply-accumulates of the pruned model / unpruned (matrix \
                products only, `ModelStats`). **Realized** = latency cut / MAC cut = (1 - latency ratio) / (1 - MAC ratio): 1.0 means \
                the model got exactly as much faster as it got smaller. GFLOP/s: 2 x MACs / latency. Of GEMM: that rate as a fraction \
                of the engine's rate on the model's largest matrix product at the same batch (`GemmBenchmark`, same run).

                Models: `reference` = the bundled CIFAR-10 model (`models/reference`, dim 192, depth 6, 6 x 32 heads, mlp 384) as it \
                was when measured; `paper` = the seed paper's configuration (dim 512, depth 6, 8 x 64 heads, mlp 512), random \
                weights. Configurations: scorer, selector, `aligned` (every head of a block loses the same number of channels) or \
                `ragged` (heads of different widths), share of attention channels removed.

                """);
        md.append("![latency ratio vs MAC ratio](").append(plot).append(")\n\n");
        md.append(realizedSummary());
        for (Map.Entry<Group, List<Row>> entry : groups.entrySet()) {
            Group group = entry.getKey();
            md.append("\n## ").append(group.title()).append("\n\n");
            Result gemmResult = gemm.get(group);
            if (gemmResult != null) {
                md.append(String.format(Locale.ROOT, "GEMM on the model's largest product (%.3g GMAC): %s ms, %.1f GFLOP/s.%n%n",
                        requireCounter(gemmResult, "macsPerCall") / 1e9, latency(gemmResult), gemmGflops(gemmResult)));
            } else {
                md.append("GEMM not measured in this run (run GemmBenchmark with ForwardBenchmark for the last column).\n\n");
            }
            md.append("| configuration | attention channels | latency (ms) | latency ratio | MAC ratio | realized | GFLOP/s | of GEMM |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
            for (Row row : entry.getValue()) {
                Double channels = row.result().counters().get("attentionChannels");
                md.append("| ").append(row.configuration())
                        .append(" | ").append(channels == null ? "" : String.format(Locale.ROOT, "%.0f", channels))
                        .append(" | ").append(latency(row.result()))
                        .append(" | ").append(fixed(row.latencyRatio(), 3)).append(Double.isFinite(row.latencyRatioError()) && row.latencyRatioError() > 0
                                ? " +- " + fixed(row.latencyRatioError(), 3) : "")
                        .append(" | ").append(fixed(row.macRatio(), 3))
                        .append(" | ").append(Double.isNaN(row.realized()) ? "-" : fixed(row.realized(), 2))
                        .append(" | ").append(fixed(row.gflops(), 1))
                        .append(" | ").append(Double.isNaN(row.gemmFraction()) ? "n/a" : fixed(row.gemmFraction(), 2))
                        .append(" |\n");
            }
        }
        List<Result> others = results.results().stream()
                .filter(r -> !Set.of(FORWARD_PRUNED, FORWARD_UNPRUNED, GEMM, ScoringReport.SCORING, TokenReport.TOKENS, RuntimeReport.UNPRUNED,
                        RuntimeReport.PRUNED).contains(r.shortName())).toList();
        if (!others.isEmpty()) {
            md.append("\n## Other benchmarks in this run\n\n| benchmark | parameters | time per call (ms) |\n|---|---|---:|\n");
            others.forEach(r -> md.append("| ").append(r.shortName()).append(" | ").append(new TreeMap<>(r.params())).append(" | ")
                    .append(latency(r)).append(" |\n"));
        }
        return md.toString();
    }

    /**
     * The rows the README quotes: at one pruning ratio, the two plans the issue names (uniform
     * head-aligned, global ragged) in every model and batch, each in the head execution vitprune's
     * default ({@code AUTO}) runs at that batch: padded for one image, grouped for more (grouped
     * where the run did not measure padded).
     */
    String quote(double ratio, String reportPath, String cpu) {
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "Measured %s on %s, %s cores, libtorch intra-op threads %s (from `%s`, which has every ratio, both head executions and the plot): "
                        + "%.0f%% of the attention channels removed by `weight-l1`, each batch in the head execution the default (`AUTO`) runs.%n%n",
                measuredDate(results), cpu, distinct(results.results(), r -> counterText(r, "cores")),
                distinct(results.results(), r -> counterText(r, "libtorchThreads")), reportPath, 100 * ratio));
        md.append("| model, batch | plan | execution | latency unpruned -> pruned (ms) | latency ratio | MAC ratio | realized |\n"
                + "|---|---|---|---:|---:|---:|---:|\n");
        int quoted = 0;
        for (Map.Entry<Group, List<Row>> entry : groups.entrySet()) {
            Result base = entry.getValue().get(0).result();
            List<Row> atRatio = entry.getValue().stream().skip(1).filter(row -> quotedPlan(row.result(), ratio)).toList();
            String wanted = entry.getKey().batch() == 1 && atRatio.stream().anyMatch(row -> execution(row.result()).equals("padded")) ? "padded" : "grouped";
            for (Row row : atRatio) {
                Result r = row.result();
                if (execution(r).equals(wanted)) {
                    md.append(String.format(Locale.ROOT, "| %s | %s %s | %s | %s -> %s | %s | %s | %s |%n", entry.getKey().title(), r.param("selector"),
                            r.param("heads"), wanted, fixed(base.milliseconds(), 1), fixed(r.milliseconds(), 1), fixed(row.latencyRatio(), 3),
                            fixed(row.macRatio(), 3), fixed(row.realized(), 2)));
                    quoted++;
                }
            }
        }
        if (quoted == 0) {
            throw new InvalidInputException(String.format(Locale.ROOT, "JMH results %s hold no uniform-aligned or global-ragged result at ratio %s: "
                    + "expected the full ForwardBenchmark sweep to quote", results.file(), ratio));
        }
        return md.toString();
    }

    private static boolean quotedPlan(Result r, double ratio) {
        boolean plan = ("uniform".equals(r.param("selector")) && "aligned".equals(r.param("heads")))
                || ("global".equals(r.param("selector")) && "ragged".equals(r.param("heads")));
        if (!plan || r.param("ratio") == null) {
            return false;
        }
        try {
            return Math.abs(ratio - Double.parseDouble(r.param("ratio"))) < 1e-9;
        } catch (NumberFormatException e) {
            return false; // a ratio that is not a number is not the one quoted
        }
    }

    private static String execution(Result r) {
        return Objects.toString(r.param("execution"), "grouped");
    }

    /** Realized speed-up of every configuration (rows) in every model and batch (columns). */
    private String realizedSummary() {
        List<Group> order = new ArrayList<>(groups.keySet());
        Map<String, Map<Group, Row>> byLabel = new LinkedHashMap<>();
        groups.forEach((group, rows) -> rows.stream().skip(1).forEach(row -> byLabel.computeIfAbsent(row.configuration(), k -> new LinkedHashMap<>()).put(group, row)));
        if (byLabel.isEmpty()) {
            return "";
        }
        StringBuilder md = new StringBuilder("## Realized speed-up (latency cut / MAC cut)\n\n| configuration |");
        order.forEach(g -> md.append(' ').append(g.title()).append(" |"));
        md.append("\n|---|").append("---:|".repeat(order.size())).append('\n');
        byLabel.forEach((label, cells) -> {
            md.append("| ").append(label).append(" |");
            for (Group g : order) {
                Row row = cells.get(g);
                md.append(' ').append(row == null || Double.isNaN(row.realized()) ? "" : fixed(row.realized(), 2)).append(" |");
            }
            md.append('\n');
        });
        return md.toString();
    }

    /** Latency ratio against MAC ratio, one series per model and batch, with the line y = x (realized = 1). */
    XYChart chart() {
        XYChart chart = new XYChartBuilder().width(800).height(600).title("pruned / unpruned: latency vs MACs (below the line: faster than the MACs predict)")
                .xAxisTitle("MAC ratio (analytic)").yAxisTitle("latency ratio (measured)").build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setMarkerSize(8);
        double highest = groups.values().stream().flatMap(List::stream).mapToDouble(Row::latencyRatio).filter(Double::isFinite).max().orElse(1);
        chart.getStyler().setXAxisMin(0.0).setXAxisMax(1.05).setYAxisMin(0.0).setYAxisMax(Math.max(1.25, 1.05 * highest));
        XYSeries identity = chart.addSeries("y = x (realized 1.0)", new double[] {0, 1.05}, new double[] {0, 1.05});
        identity.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        identity.setMarker(SeriesMarkers.NONE);
        identity.setLineColor(java.awt.Color.GRAY);
        groups.forEach((group, rows) -> {
            double[] x = rows.stream().mapToDouble(Row::macRatio).toArray();
            double[] y = rows.stream().mapToDouble(Row::latencyRatio).toArray();
            chart.addSeries(group.title(), x, y);
        });
        return chart;
    }

    private static String measuredDate(JmhResults results) {
        try {
            Instant written = Files.getLastModifiedTime(results.file()).toInstant();
            return LocalDate.ofInstant(written, ZoneOffset.UTC).toString();
        } catch (java.io.IOException e) {
            return "(unknown date)";
        }
    }

    /** A counter as an integer, or null where the result has none (benchmarks other than vitprune's). */
    private static String counterText(Result r, String name) {
        Double value = r.counters().get(name);
        return value == null ? null : String.format(Locale.ROOT, "%.0f", value);
    }

    /** The distinct values over results (those that have one), joined: one value when the run was consistent. */
    static String distinct(List<Result> results, Function<Result, String> value) {
        String joined = results.stream().map(value).filter(Objects::nonNull).distinct().collect(Collectors.joining(" / "));
        return joined.isEmpty() ? NOT_RECORDED : joined;
    }

    static String latency(Result r) {
        int digits = r.milliseconds() >= 100 ? 1 : r.milliseconds() >= 10 ? 2 : 3;
        String error = Double.isNaN(r.errorMilliseconds()) ? "n/a" : fixed(r.errorMilliseconds(), digits);
        return fixed(r.milliseconds(), digits) + " +- " + error;
    }

    static String fixed(double value, int digits) {
        return String.format(Locale.ROOT, "%." + digits + "f", value);
    }
}
