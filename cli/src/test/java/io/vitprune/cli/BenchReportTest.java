package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench-report} on a hand-written results file in JMH's JSON format
 * ({@code src/test/resources/bench/jmh-results.json}): paper model, batch 32, unpruned 400 ms at
 * 2.0e10 MACs per call, global 50% 280 ms at 1.2e10, uniform 30% 350 ms at 1.6e10; GEMM 16 ms at
 * 1.6e9 MACs; plus one TrainingStepBenchmark result, listed as another benchmark. Counters are
 * summed over 5 iterations in JMH's {@code score}, as JMH does for EVENTS counters; the report must
 * read one iteration's value. {@code bench/scoring-jmh-results.json}: ScoringBenchmark single shots,
 * attention channels 80 s on 50 images and 164 s on 100, MLP units 156 s and 330 s.
 */
class BenchReportTest {
    static final Path FIXTURE = Path.of("src/test/resources/bench/jmh-results.json");
    static final Path SCORING_FIXTURE = Path.of("src/test/resources/bench/scoring-jmh-results.json");

    @TempDir
    Path temp;

    @Test
    void reportsRatiosRealizedSpeedUpAndGemmFractionPerModelAndBatch() throws IOException {
        Path md = temp.resolve("docs/benchmarks.md");
        Path png = temp.resolve("docs/benchmarks.png");

        CliRun run = CliRun.of("bench-report", "--jmh-json", FIXTURE.toString(), "--out", md.toString(), "--plot", png.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String report = Files.readString(md);
        // latency ratio 280 / 400 = 0.700 +- 0.7 * hypot(4/280, 8/400) = 0.017; MAC ratio 0.6; realized 0.3 / 0.4 = 0.75;
        // 2 * 1.2e10 MACs / 0.28 s = 85.7 GFLOP/s; GEMM 2 * 1.6e9 / 0.016 s = 200 GFLOP/s, so 0.43 of it.
        assertThat(report).contains("| weight-l1 global ragged 50% | 1536 | 280.0 +- 4.0 | 0.700 +- 0.017 | 0.600 | 0.75 | 85.7 | 0.43 |");
        // 350 / 400 = 0.875, 1.6 / 2.0 = 0.8: realized 0.125 / 0.2 = 0.625, printed with two decimals.
        assertThat(report).contains("| weight-l1 uniform aligned 30% | 2154 | 350.0 +- 4.0 | 0.875 +- 0.020 | 0.800 | 0.63 | 91.4 | 0.46 |");
        assertThat(report).contains("| unpruned | 3072 | 400.0 +- 8.0 | 1.000 | 1.000 | - | 100.0 | 0.50 |");
        assertThat(report).contains("## paper, batch 32", "GEMM on the model's largest product (1.60 GMAC): 16.00 +- 0.40 ms, 200.0 GFLOP/s.");
        // uniform before global in the per-group table and the summary.
        assertThat(report.indexOf("| weight-l1 uniform aligned 30% |")).isLessThan(report.indexOf("| weight-l1 global ragged 50% |"));
        assertThat(report).contains("| weight-l1 global ragged 50% | 0.75 |");
        assertThat(report).contains("libtorch intra-op 2, inter-op 1", "JMH threads 1", "2 cores seen by the benchmark JVM", "forks 1",
                "warm-up 3 x 2 s", "measurement 5 x 2 s / 2 x 2 s");
        assertThat(report).contains("| TrainingStepBenchmark.step | {batch=128, heads=6x32} | 420.0 +- 20.0 |");
        assertThat(report).contains("![latency ratio vs MAC ratio](benchmarks.png)");
        byte[] image = Files.readAllBytes(png);
        assertThat(Arrays.copyOf(image, 4)).containsExactly(0x89, 'P', 'N', 'G');
    }

    @Test
    void readmeGetsTheFiftyPercentRowsBetweenItsMarkersAndKeepsTheRest() throws IOException {
        Path readme = temp.resolve("README.md");
        Files.writeString(readme, "# title\n\n<!-- bench-report: begin -->\nold rows\n<!-- bench-report: end -->\n\nafter\n");
        Path md = temp.resolve("docs/benchmarks.md");

        CliRun run = CliRun.of("bench-report", "--jmh-json", FIXTURE.toString(), "--out", md.toString(), "--readme", readme.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String text = Files.readString(readme);
        assertThat(text).startsWith("# title\n\n<!-- bench-report: begin -->\nMeasured ").endsWith("<!-- bench-report: end -->\n\nafter\n")
                .doesNotContain("old rows").contains("2 cores, libtorch intra-op threads 2", "50% of the attention channels removed by `weight-l1`");
        // the fixture's global ragged 50% row; uniform aligned is only at 30% there, so it is not quoted.
        assertThat(text).contains("| paper, batch 32 | global ragged | grouped | 400.0 -> 280.0 | 0.700 | 0.600 | 0.75 |").doesNotContain("uniform aligned");
        assertThat(Files.readString(md)).contains("--readme " + readme);
    }

    @Test
    void readmeQuotesAtBatchOneThePaddedRunThatTheDefaultExecutionUses() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = (ArrayNode) json.readTree(FIXTURE.toFile());
        results.add(atBatchOne(results.get(2), null, 10.0)); // the unpruned paper model
        results.add(atBatchOne(results.get(0), "grouped", 12.0)); // global ragged 50%
        results.add(atBatchOne(results.get(0), "padded", 8.0));
        Path file = Files.writeString(temp.resolve("batch-one.json"), json.writeValueAsString(results));
        Path readme = Files.writeString(temp.resolve("README.md"), "<!-- bench-report: begin -->\n<!-- bench-report: end -->\n");

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", temp.resolve("b.md").toString(), "--readme", readme.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        // padded: 8 / 10 = 0.8 against a MAC ratio of 0.6, realized 0.2 / 0.4 = 0.5; batch 32 has no padded run and stays grouped.
        assertThat(Files.readString(readme)).contains("| paper, batch 1 | global ragged | padded | 10.0 -> 8.0 | 0.800 | 0.600 | 0.50 |",
                "| paper, batch 32 | global ragged | grouped |").doesNotContain("| paper, batch 1 | global ragged | grouped |");
    }

    @Test
    void aReadmeWithoutTheMarkersIsAnErrorAndNothingIsWritten() throws IOException {
        Path readme = temp.resolve("README.md");
        Files.writeString(readme, "# title\n");
        Path md = temp.resolve("out/benchmarks.md");

        CliRun run = CliRun.of("bench-report", "--jmh-json", FIXTURE.toString(), "--out", md.toString(), "--readme", readme.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("--readme " + readme, "<!-- bench-report: begin -->", "<!-- bench-report: end -->");
        assertThat(Files.readString(readme)).isEqualTo("# title\n");
        assertThat(temp.resolve("out")).doesNotExist();
    }

    @Test
    void aPrunedResultWithoutItsUnprunedBaselineIsAnErrorNamingTheConfiguration() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = (ArrayNode) json.readTree(FIXTURE.toFile());
        for (int i = results.size() - 1; i >= 0; i--) {
            if (results.get(i).get("benchmark").asText().endsWith("ForwardBenchmark.unpruned")) {
                results.remove(i);
            }
        }
        Path file = temp.resolve("no-baseline.json");
        json.writeValue(file.toFile(), results);
        Path md = temp.resolve("out/benchmarks.md");

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", md.toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no unpruned baseline for ForwardBenchmark.pruned {batch=32, heads=ragged, model=paper, ratio=0.5, "
                + "selector=global, strategy=weight-l1}", "ForwardBenchmark.unpruned with model=paper, batch=32");
        assertThat(temp.resolve("out")).doesNotExist();
    }

    @Test
    void aFileThatIsNotJmhJsonIsAnErrorNamingIt() throws IOException {
        Path file = temp.resolve("history.csv");
        Files.writeString(file, "epoch,train_loss\n1,2.0\n");

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", temp.resolve("b.md").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("JMH results " + file, "benchmarks.jar -rf json");
        assertThat(temp.resolve("b.md")).doesNotExist();
        assertThat(temp.resolve("b.png")).doesNotExist();
    }

    @Test
    void scoringResultsAloneGetASectionWithUnitImagesPerSecondAndTheLinearityRatios() throws IOException {
        Path md = temp.resolve("docs/scoring-benchmark.md");

        CliRun run = CliRun.of("bench-report", "--jmh-json", SCORING_FIXTURE.toString(), "--out", md.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String report = Files.readString(md);
        assertThat(report).startsWith("# Scoring cost").contains("mode ss", "measurement 1 x single-shot");
        // 1,152 channels x 50 images / 80 s = 720 per second; 2,304 MLP units x 100 / 330 s = 698.
        assertThat(report).contains("| attention-channel | 1,152 | 50 | 80.0 | 720 |", "| attention-channel | 1,152 | 100 | 164.0 | 702 |",
                "| mlp-unit | 2,304 | 50 | 156.0 | 738 |", "| mlp-unit | 2,304 | 100 | 330.0 | 698 |");
        // images doubled: 164 / 80 = 2.05, 330 / 156 = 2.12; units doubled: 156 / 80 = 1.95, 330 / 164 = 2.01.
        assertThat(report).contains("| attention-channel: 100 vs 50 images | 2.00 | 2.05 |", "| mlp-unit: 100 vs 50 images | 2.00 | 2.12 |",
                "| 50 images: mlp-unit vs attention-channel | 2.00 | 1.95 |", "| 100 images: mlp-unit vs attention-channel | 2.00 | 2.01 |");
        // from the largest image count: 164 s x 1,000 / 100 = 1,640 s.
        assertThat(report).contains("Every attention channel on 1,000 images, extrapolated linearly from 100: 1640 s (27.3 min), "
                + "against the issue's goal of 60 s.").contains("4,038 one-image block forwards per image of about 41.8 MFLOP each, so about "
                + "169 TFLOP for 1,000 images. This run sustains 103 GFLOP/s; the goal would need 2.81 TFLOP/s from the same 2 cores, 27 times "
                + "this rate");
        assertThat(temp.resolve("docs/scoring-benchmark.png")).doesNotExist();
    }

    @Test
    void scoringResultsBesideForwardResultsFollowTheUnchangedForwardReport() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode both = (ArrayNode) json.readTree(FIXTURE.toFile());
        both.addAll((ArrayNode) json.readTree(SCORING_FIXTURE.toFile()));
        Path file = Files.writeString(temp.resolve("both.json"), json.writeValueAsString(both));
        Path md = temp.resolve("both.md");

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", md.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String report = Files.readString(md);
        assertThat(report).startsWith("# Inference cost").contains("| weight-l1 global ragged 50% | 1536 | 280.0 +- 4.0 |", "![latency ratio vs MAC ratio](both.png)");
        assertThat(report.substring(report.indexOf("## Scoring cost"))).contains("| mlp-unit | 2,304 | 100 | 330.0 | 698 |").doesNotContain("ForwardBenchmark");
        assertThat(report).doesNotContain("| ScoringBenchmark.scoreUnits |");
    }

    @Test
    void aScoringResultWithAnUnknownUnitKindIsAnErrorNamingTheResult() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = (ArrayNode) json.readTree(SCORING_FIXTURE.toFile());
        ((ObjectNode) results.get(0).get("params")).put("kind", "neuron");
        Path file = Files.writeString(temp.resolve("scoring.json"), json.writeValueAsString(results));

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", temp.resolve("s.md").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("JMH results " + file + ": ScoringBenchmark.scoreUnits {images=50, kind=neuron}", "unit kind 'neuron': expected one of");
        assertThat(temp.resolve("s.md")).doesNotExist();
    }

    @Test
    void tokenResultsGetTheirThroughputAgainstRhoOneOfTheSameRun() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = (ArrayNode) json.readTree(FIXTURE.toFile());
        results.add(tokenResult(json, results, "1", 40.0));
        results.add(tokenResult(json, results, "0.7", 25.0));
        results.add(tokenResult(json, results, "0.5", 20.0));
        Path file = Files.writeString(temp.resolve("tokens.json"), json.writeValueAsString(results));
        Path md = temp.resolve("tokens.md");

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", md.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String report = Files.readString(md);
        String section = report.substring(report.indexOf("## Token pruning"));
        // 40 / 25 = 1.6 and 40 / 20 = 2.0 times the base model's throughput; rho descending from the base.
        assertThat(section).contains("### reference shape, random weights, stages before blocks 2,4, dynamicvit, batch 32",
                "| 1.00 | 40.00 +- 4.00 | 1.000 |\n| 0.70 | 25.00 +- 4.00 | 1.600 |\n| 0.50 | 20.00 +- 4.00 | 2.000 |");
        assertThat(report).contains("| weight-l1 global ragged 50% | 1536 | 280.0 +- 4.0 |").doesNotContain("| TokenForwardBenchmark.forward |");
    }

    @Test
    void tokenResultsWithoutTheirRhoOneBaseAreAnErrorNamingTheSetting() throws IOException {
        ObjectMapper json = new ObjectMapper();
        ArrayNode results = (ArrayNode) json.readTree(FIXTURE.toFile());
        results.add(tokenResult(json, results, "0.7", 25.0));
        Path file = Files.writeString(temp.resolve("tokens.json"), json.writeValueAsString(results));

        CliRun run = CliRun.of("bench-report", "--jmh-json", file.toString(), "--out", temp.resolve("t.md").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("no rho = 1 (base model) result for reference shape, random weights, stages before blocks 2,4, dynamicvit, batch 32");
        assertThat(temp.resolve("t.md")).doesNotExist();
    }

    /** A TokenForwardBenchmark result made from the fixture's first: its JMH settings, the token parameters, {@code milliseconds} +- 4. */
    private static ObjectNode tokenResult(ObjectMapper json, ArrayNode fixture, String rho, double milliseconds) {
        ObjectNode result = fixture.get(0).deepCopy();
        result.put("benchmark", "io.vitprune.bench.TokenForwardBenchmark.forward");
        result.set("params", json.createObjectNode().put("batch", "32").put("rho", rho).put("stages", "2,4").put("scorer", "dynamicvit").put("model", ""));
        ((ObjectNode) result.get("primaryMetric")).put("score", milliseconds).put("scoreError", 4.0);
        result.remove("secondaryMetrics");
        return result;
    }

    /** A copy of a fixture result at batch 1, with {@code execution} (none when null) and {@code milliseconds} +- 0.1. */
    private static ObjectNode atBatchOne(JsonNode fixtureResult, String execution, double milliseconds) {
        ObjectNode result = fixtureResult.deepCopy();
        ObjectNode params = ((ObjectNode) result.get("params")).put("batch", "1");
        if (execution != null) {
            params.put("execution", execution);
        }
        ((ObjectNode) result.get("primaryMetric")).put("score", milliseconds).put("scoreError", 0.1);
        return result;
    }
}
