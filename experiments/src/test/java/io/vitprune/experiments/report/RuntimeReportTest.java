package io.vitprune.experiments.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vitprune.api.InvalidInputException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The runtime section on a hand-made results file in JMH's JSON format: reference model, batch 1,
 * 1e8 MACs unpruned; unpruned 10 ms on libtorch, 5 ms on ONNX Runtime, 3 ms with int8; uniform 50%
 * (6e7 MACs) 8, 3 and 1.8 ms; global 70% (4.5e7 MACs) 9, 2.5 and 1.5 ms.
 */
class RuntimeReportTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path temp;

    @Test
    void latencyPerRuntimeRealizedAgainstItsOwnUnprunedModelInt8AgainstLibtorchAndTheGoals() throws IOException {
        Path json = write(results(true));
        Path md = temp.resolve("docs/benchmarks-runtimes.md");

        BenchReportWriter.write(json, md, null, "scripts/bench.sh --runtimes", null, new PrintStream(new ByteArrayOutputStream()));

        String report = Files.readString(md);
        assertThat(report).startsWith("# Inference latency per runtime: libtorch and ONNX Runtime")
                .contains("ONNX Runtime intra-op threads: 2 (set to libtorch's)", "![latency ratio vs MAC ratio per runtime](benchmarks-runtimes.png)",
                        "### reference, batch 1", "| plan | MAC ratio | libtorch (ms) | realized | onnxruntime (ms) | realized | onnxruntime-int8 (ms) | realized | int8 / unpruned fp32 libtorch |");
        assertThat(report).contains("| unpruned | 1.000 | 10.00 +- 0.10 | - | 5.000 +- 0.100 | - | 3.000 +- 0.100 | - | 0.300 |");
        // libtorch: 8 / 10 = 0.8 against 0.6, realized 0.2 / 0.4 = 0.50; ONNX Runtime 3 / 5 = 0.6: 1.00; int8 1.8 / 3 = 0.6: 1.00, 1.8 / 10 = 0.18.
        assertThat(report).contains("| uniform 50% | 0.600 | 8.000 +- 0.100 | 0.50 | 3.000 +- 0.100 | 1.00 | 1.800 +- 0.100 | 1.00 | 0.180 |");
        // 70%: 0.9 against 0.45 -> 0.1 / 0.55 = 0.18; 0.5 -> 0.5 / 0.55 = 0.91 on both ONNX Runtime variants.
        assertThat(report).contains("| global 70% | 0.450 | 9.000 +- 0.100 | 0.18 | 2.500 +- 0.100 | 0.91 | 1.500 +- 0.100 | 0.91 | 0.150 |");
        assertThat(report.indexOf("| uniform 50% |")).isLessThan(report.indexOf("| global 70% |"));
        assertThat(report).contains("| reference, batch 1 | libtorch | 0.50 | no | 0.18 | no |",
                "| reference, batch 1 | onnxruntime | 1.00 | yes | 0.91 | yes |", "| reference, batch 1 | onnxruntime-int8 * | 1.00 | yes | 0.91 | yes |",
                "| reference, batch 1 | uniform 50% | 0.180 | yes |");
        // GEMM of 2e7 MACs in 0.1 ms (libtorch) and 0.05 ms (ONNX Runtime): 200 and 400 GMAC/s; forwards 1e8 in 10 and 5 ms: 10 and 20 GMAC/s.
        assertThat(report).contains("| model, batch | runtime | forward (GMAC/s) | GEMM (GMAC/s) | forward / GEMM | met |",
                "| reference, batch 1 | libtorch | 10.0 | 200.0 | 0.05 | no |", "| reference, batch 1 | onnxruntime | 20.0 | 400.0 | 0.05 | no |");
        byte[] image = Files.readAllBytes(temp.resolve("docs/benchmarks-runtimes.png"));
        assertThat(Arrays.copyOf(image, 4)).containsExactly(0x89, 'P', 'N', 'G');
    }

    @Test
    void aPrunedResultWithoutItsRuntimesUnprunedBaselineIsAnErrorNamingIt() throws IOException {
        Path json = write(results(false));

        assertThatThrownBy(() -> RuntimeReport.of(JmhResults.read(json))).isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("no unpruned baseline for RuntimeForwardBenchmark.pruned {batch=1, model=reference, ratio=0.5, runtime=onnxruntime-int8")
                .hasMessageContaining("runtime=onnxruntime-int8 in the same results file");
    }

    private ArrayNode results(boolean int8Baseline) {
        ArrayNode results = JSON.createArrayNode();
        results.add(result("unpruned", "libtorch", null, 0, 10, 1e8));
        results.add(result("unpruned", "onnxruntime", null, 0, 5, 1e8));
        if (int8Baseline) {
            results.add(result("unpruned", "onnxruntime-int8", null, 0, 3, 1e8));
        }
        results.add(result("pruned", "libtorch", "global", 0.7, 9, 4.5e7));
        results.add(result("pruned", "onnxruntime", "global", 0.7, 2.5, 4.5e7));
        results.add(result("pruned", "onnxruntime-int8", "global", 0.7, 1.5, 4.5e7));
        results.add(result("pruned", "libtorch", "uniform", 0.5, 8, 6e7));
        results.add(result("pruned", "onnxruntime", "uniform", 0.5, 3, 6e7));
        results.add(result("pruned", "onnxruntime-int8", "uniform", 0.5, 1.8, 6e7));
        for (String runtime : List.of("libtorch", "onnxruntime")) {
            ObjectNode gemm = result("gemm", runtime, null, 0, runtime.equals("libtorch") ? 0.1 : 0.05, 2e7);
            ((ObjectNode) gemm.get("params")).remove("runtime");
            ((ObjectNode) gemm.get("params")).put("gemmRuntime", runtime);
            results.add(gemm);
        }
        return results;
    }

    /** One JMH entry: two iterations, counters repeated per iteration as JMH writes EVENTS counters. */
    private static ObjectNode result(String method, String runtime, String selector, double ratio, double milliseconds, double macs) {
        ObjectNode node = JSON.createObjectNode().put("benchmark", "io.vitprune.bench.RuntimeForwardBenchmark." + method).put("mode", "avgt")
                .put("threads", 1).put("forks", 1).put("jdkVersion", "17").put("vmName", "OpenJDK 64-Bit Server VM")
                .put("warmupIterations", 3).put("warmupTime", "2 s").put("measurementIterations", 2).put("measurementTime", "2 s");
        node.putArray("jvmArgs").add("-Dai.djl.offline=true");
        ObjectNode params = node.putObject("params").put("model", "reference").put("batch", "1").put("runtime", runtime);
        if (selector != null) {
            params.put("strategy", "weight-l1").put("selector", selector).put("ratio", String.valueOf(ratio));
        }
        ObjectNode primary = node.putObject("primaryMetric").put("score", milliseconds).put("scoreError", 0.1).put("scoreUnit", "ms/op");
        primary.putArray("rawData").addArray().add(milliseconds).add(milliseconds);
        ObjectNode secondary = node.putObject("secondaryMetrics");
        Map.of("macsPerCall", macs, "runtimeThreads", 2.0, "libtorchThreads", 2.0, "interopThreads", 1.0, "cores", 2.0).forEach((name, value) -> {
            ObjectNode counter = secondary.putObject(name).put("score", 2 * value).put("scoreUnit", "#");
            counter.putArray("rawData").addArray().add(value).add(value);
        });
        return node;
    }

    private Path write(ArrayNode results) throws IOException {
        Path file = temp.resolve("jmh.json");
        JSON.writeValue(file.toFile(), results);
        return file;
    }
}
