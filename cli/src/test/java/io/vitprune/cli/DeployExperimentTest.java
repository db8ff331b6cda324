package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.io.ModelStore;
import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import io.vitprune.experiments.DeployExperiment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** experiment deploy on a tiny model and a few images. */
class DeployExperimentTest {
    @TempDir
    Path temp;

    @Test
    void everyVersionIsMeasuredOnEveryRuntimeOnceAndARerunRecomputesNothing() throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        Path work = temp.resolve("work");
        String[] experiment = {"experiment", "deploy", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                "--ratios", "0.5", "--train-limit", "128", "--test-limit", "50", "--timing-rounds", "3", "--threads", "1",
                "--work", work.toString(), "--out", temp.resolve("deploy").toString()};

        CliRun run = CliRun.of(experiment);
        List<String> lines = Files.readAllLines(temp.resolve("deploy.csv"));
        CliRun again = CliRun.of(experiment);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(lines).first().isEqualTo(String.join(",", DeployExperiment.COLUMNS) + ",options");
        List<Map<String, String>> rows = lines.stream().skip(1).map(DeployExperimentTest::row).toList();
        assertThat(rows).extracting(row -> row.get("scorer") + " " + row.get("ratio") + " " + row.get("epochs"))
                .containsExactly("none 0.00 0", "weight-l1 0.50 0", "weight-l1 0.50 1");
        for (Map<String, String> row : rows) {
            // float32 logits equal libtorch's to 1e-4 (deploy's exactness tests): the same images are classified correctly.
            assertThat(row.get("top1_onnx")).as("ONNX Runtime fp32 vs libtorch top-1 of " + row).isEqualTo(row.get("top1_libtorch"));
            assertThat(Long.parseLong(row.get("bytes_onnx_int8"))).isLessThan(Long.parseLong(row.get("bytes_onnx")));
            assertThat(DeployExperiment.COLUMNS.stream().filter(column -> column.startsWith("ms_")).mapToDouble(column -> Double.parseDouble(row.get(column))))
                    .allMatch(milliseconds -> milliseconds > 0);
        }
        assertThat(Long.parseLong(rows.get(1).get("macs_per_image"))).isLessThan(Long.parseLong(rows.get(0).get("macs_per_image")));
        assertThat(again.err()).contains("done already: [none, -, 0.00, 0]", "done already: [weight-l1, global, 0.50, 0]",
                "done already: [weight-l1, global, 0.50, 1]");
        assertThat(Files.readAllLines(temp.resolve("deploy.csv"))).as("a rerun recomputes nothing").isEqualTo(lines);
        Path cell = work.resolve("weight-l1-global-0.50");
        assertThat(cell.resolve("finetuned").resolve(ModelStore.MANIFEST)).exists();
        assertThat(cell.resolve("onnx-finetuned/model.onnx")).isNotEmptyFile();
        assertThat(cell.resolve("onnx-finetuned/model-int8.onnx")).isNotEmptyFile();
        assertThat(temp.resolve("deploy.md")).content().contains("not JMH; see docs/benchmarks-runtimes.md", "| 50% | 1 |",
                "experiment deploy --model").doesNotContain("Not run yet", " !");
        byte[] image = Files.readAllBytes(temp.resolve("deploy.png"));
        assertThat(Arrays.copyOf(image, 4)).containsExactly(0x89, 'P', 'N', 'G');
    }

    private static Map<String, String> row(String line) {
        String[] cells = line.split(",", -1);
        return IntStream.range(0, DeployExperiment.COLUMNS.size()).boxed().collect(Collectors.toMap(DeployExperiment.COLUMNS::get, i -> cells[i]));
    }
}
