package io.vitprune.experiments.report;

import io.vitprune.api.InvalidInputException;
import io.vitprune.experiments.report.JmhResults.Result;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The token-pruning section of the benchmark report: {@code TokenForwardBenchmark}'s latency per
 * keep ratio rho and its throughput against {@code rho = 1}, the base model's own forward pass
 * measured in the same run with the same batch, stages, scorer and model.
 */
public record TokenReport(Map<String, List<TokenReport.Row>> bySetting) {
    static final String TOKENS = "TokenForwardBenchmark.forward";

    /** One rho of one setting; {@code throughput} = base latency / this latency. */
    record Row(double rho, Result result, double throughput) {
    }

    /** The section's rows by setting (stages, scorer, model, batch), or null when the file holds no token results. */
    static TokenReport of(JmhResults results) {
        Map<String, List<Result>> grouped = new TreeMap<>();
        for (Result r : results.named(TOKENS)) {
            String where = "JMH results " + results.file() + ": " + r.describe();
            for (String name : List.of("rho", "batch", "stages", "scorer")) {
                if (r.param(name) == null) {
                    throw new InvalidInputException(where + " has no '" + name + "' parameter: expected results of vitprune's TokenForwardBenchmark");
                }
            }
            grouped.computeIfAbsent(setting(r), k -> new ArrayList<>()).add(r);
        }
        if (grouped.isEmpty()) {
            return null;
        }
        Map<String, List<Row>> bySetting = new TreeMap<>();
        grouped.forEach((setting, list) -> {
            Result base = list.stream().filter(r -> rho(r, results) == 1).reduce((a, b) -> {
                throw new InvalidInputException("JMH results " + results.file() + " hold " + b.describe() + " twice: expected one result per configuration (one run)");
            }).orElseThrow(() -> new InvalidInputException("JMH results " + results.file() + ": no rho = 1 (base model) result for " + setting
                    + ": expected TokenForwardBenchmark with rho=1 in the same run, the baseline of every other rho"));
            bySetting.put(setting, list.stream().sorted(Comparator.comparingDouble((Result r) -> -rho(r, results)))
                    .map(r -> new Row(rho(r, results), r, base.milliseconds() / r.milliseconds())).toList());
        });
        return new TokenReport(bySetting);
    }

    private static String setting(Result r) {
        String model = r.param("model");
        return String.format(Locale.ROOT, "%s, stages before blocks %s, %s, batch %s", model == null || model.isEmpty() ? "reference shape, random weights" : model,
                r.param("stages"), r.param("scorer"), r.param("batch"));
    }

    private static double rho(Result r, JmhResults results) {
        try {
            double rho = Double.parseDouble(r.param("rho"));
            if (rho > 0 && rho <= 1) {
                return rho;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("JMH results " + results.file() + ": " + r.describe() + " has rho '" + r.param("rho") + "': expected a number in (0, 1]");
    }

    String markdown() {
        StringBuilder md = new StringBuilder("\n## Token pruning: TokenForwardBenchmark\n\n").append("""
                Forward latency of the token-pruned model (predictors, top-k keep of int(64 x rho^s) patch tokens after stage s, \
                gather: later blocks run on fewer tokens) against rho = 1, the base model's own forward pass in this run. \
                Throughput ratio = base latency / this latency (1.35 = 35% more images per second). Which tokens are kept does not \
                change the cost, only how many, so random weights and predictors measure the shape.
                """);
        bySetting.forEach((setting, rows) -> {
            md.append("\n### ").append(setting).append("\n\n| rho | latency (ms) | throughput ratio |\n|---:|---:|---:|\n");
            rows.forEach(row -> md.append(String.format(Locale.ROOT, "| %.2f | %s | %.3f |%n", row.rho(), BenchReport.latency(row.result()),
                    row.throughput())));
        });
        return md.toString();
    }
}
