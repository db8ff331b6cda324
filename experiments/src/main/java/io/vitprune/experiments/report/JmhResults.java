package io.vitprune.experiments.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The results file JMH writes with {@code -rf json}: an array with one object per benchmark and
 * parameter combination, each with {@code benchmark}, {@code mode}, {@code threads}, {@code forks},
 * {@code jvmArgs}, {@code jdkVersion}, {@code vmName}, iteration counts and times, {@code params}
 * (absent without parameters), {@code primaryMetric} ({@code score}, {@code scoreError}, which is the
 * string {@code "NaN"} after a single iteration, {@code scoreUnit}, {@code rawData}: one list per
 * fork of one value per iteration) and {@code secondaryMetrics} (the same shape, one per
 * {@code @AuxCounters} field).
 */
public record JmhResults(Path file, List<Result> results) {
    /** One benchmark at one parameter combination; latency in milliseconds per call. */
    record Result(String benchmark, Map<String, String> params, double milliseconds, double errorMilliseconds, String mode, int threads,
            int forks, String warmup, String measurement, List<String> jvmArgs, String jdk, String vm, Map<String, Double> counters) {
        /** {@code ForwardBenchmark.pruned} for {@code io.vitprune.bench.ForwardBenchmark.pruned}. */
        String shortName() {
            String[] parts = benchmark.split("\\.");
            return parts.length < 2 ? benchmark : parts[parts.length - 2] + "." + parts[parts.length - 1];
        }

        String param(String name) {
            return params.get(name);
        }

        /** {@code ForwardBenchmark.pruned {batch=32, model=paper, ...}}: how errors name a result. */
        String describe() {
            return shortName() + " " + new TreeMap<>(params);
        }
    }

    static JmhResults read(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readAllBytes(file));
        } catch (IOException e) {
            throw new InvalidInputException("JMH results " + file + " cannot be read as JSON: " + e.getMessage()
                    + " (expected the file written by java -jar benchmarks.jar -rf json -rff FILE)", e);
        }
        if (root == null || !root.isArray() || root.isEmpty()) {
            throw new InvalidInputException("JMH results " + file + ": expected a non-empty JSON array of benchmark results "
                    + "(the file written by java -jar benchmarks.jar -rf json -rff FILE)");
        }
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < root.size(); i++) {
            results.add(result(file, i, root.get(i)));
        }
        return new JmhResults(file, List.copyOf(results));
    }

    private static Result result(Path file, int index, JsonNode node) {
        String where = "JMH results " + file + ", entry " + index;
        JsonNode primary = node.path("primaryMetric");
        if (!node.path("benchmark").isTextual() || !primary.isObject() || !primary.path("scoreUnit").isTextual()) {
            throw new InvalidInputException(where + ": expected an object with 'benchmark' and 'primaryMetric' {score, scoreError, scoreUnit}");
        }
        String benchmark = node.get("benchmark").asText();
        where += " (" + benchmark + ")";
        Map<String, String> params = new LinkedHashMap<>();
        node.path("params").fields().forEachRemaining(entry -> params.put(entry.getKey(), entry.getValue().asText()));
        double score = number(primary.path("score"), where + ": primaryMetric.score");
        double error = primary.has("scoreError") ? number(primary.get("scoreError"), where + ": primaryMetric.scoreError") : Double.NaN;
        double[] latency = milliseconds(score, error, primary.get("scoreUnit").asText(), where);
        Map<String, Double> counters = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> secondary = node.path("secondaryMetrics").fields();
        while (secondary.hasNext()) {
            Map.Entry<String, JsonNode> metric = secondary.next();
            if ("#".equals(metric.getValue().path("scoreUnit").asText())) {
                counters.put(metric.getKey(), counter(metric.getValue(), where + ": counter " + metric.getKey()));
            }
        }
        List<String> jvmArgs = new ArrayList<>();
        node.path("jvmArgs").forEach(arg -> jvmArgs.add(arg.asText()));
        String warmup = node.path("warmupIterations").asInt() + " x " + node.path("warmupTime").asText("?");
        String measurement = node.path("measurementIterations").asInt() + " x " + node.path("measurementTime").asText("?");
        return new Result(benchmark, Map.copyOf(params), latency[0], latency[1], node.path("mode").asText("?"), node.path("threads").asInt(),
                node.path("forks").asInt(), warmup, measurement, List.copyOf(jvmArgs), node.path("jdkVersion").asText("?"),
                node.path("vmName").asText("?"), Map.copyOf(counters));
    }

    /** A number, or the string JMH writes for a missing one ("NaN"). */
    private static double number(JsonNode node, String what) {
        if (node.isNumber()) {
            return node.asDouble();
        }
        if (node.isTextual() && node.asText().equals("NaN")) {
            return Double.NaN;
        }
        throw new InvalidInputException(what + " = " + node + ": expected a number");
    }

    /**
     * An {@code EVENTS} counter's value. JMH sums such counters over iterations in {@code score};
     * the benchmarks assign the same value in every call, so every raw per-iteration value must be
     * that value.
     */
    private static double counter(JsonNode metric, String what) {
        List<Double> raw = new ArrayList<>();
        metric.path("rawData").forEach(fork -> fork.forEach(value -> raw.add(number(value, what))));
        if (raw.isEmpty()) {
            throw new InvalidInputException(what + ": expected rawData with one value per iteration");
        }
        if (raw.stream().distinct().count() > 1) {
            throw new InvalidInputException(what + " differs between iterations " + raw + ": expected one value per configuration");
        }
        return raw.get(0);
    }

    /** {score, error} converted to milliseconds per call, from a time-per-call or calls-per-time unit. */
    static double[] milliseconds(double score, double error, String unit, String where) {
        String[] parts = unit.split("/");
        if (parts.length == 2 && parts[1].equals("op")) {
            double factor = millisecondsPer(parts[0], unit, where);
            return new double[] {score * factor, error * factor};
        }
        if (parts.length == 2 && parts[0].equals("ops")) {
            double perCall = millisecondsPer(parts[1], unit, where) / score;
            return new double[] {perCall, perCall * error / score};
        }
        throw new InvalidInputException(where + ": score unit '" + unit + "': expected a time per call (ms/op) or calls per time (ops/s)");
    }

    private static double millisecondsPer(String timeUnit, String unit, String where) {
        return switch (timeUnit) {
            case "ns" -> 1e-6;
            case "us" -> 1e-3;
            case "ms" -> 1;
            case "s" -> 1e3;
            case "min" -> 60e3;
            default -> throw new InvalidInputException(where + ": score unit '" + unit + "': unknown time unit '" + timeUnit + "'");
        };
    }

    List<Result> named(String shortName) {
        return results.stream().filter(r -> r.shortName().equals(shortName)).collect(Collectors.toList());
    }
}
