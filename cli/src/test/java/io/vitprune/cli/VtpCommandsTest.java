package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import io.vitprune.experiments.VtpLambdaSearch;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The VTP experiments on the command line, on a tiny model and a few images. */
class VtpCommandsTest {
    @TempDir
    Path temp;

    @Test
    void theComparisonPrunesWithEachMethodFineTunesAndReportsTheGates() throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        String[] experiment = {"experiment", "vtp", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                "--kinds", "attention-channel", "--ratios", "0.5", "--gate-epochs", "1", "--train-limit", "128", "--test-limit", "50",
                "--scoring-images", "20", "--work", temp.resolve("work").toString(), "--ablations", temp.resolve("ablations").toString(),
                "--out", temp.resolve("vtp").toString()};

        CliRun run = CliRun.of(experiment);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readAllLines(temp.resolve("vtp.csv"))).hasSize(1 + 2 + 3).extracting(row -> row.split(",")[0])
                .containsExactly("method", "none", "vtp-gated", "vtp-l1", "weight-l1", "regression-stability:ce-target=labels");
        assertThat(temp.resolve("vtp.md")).content().contains("Gates after the sparsity phase: attention channels: 32 gates")
                .contains("![top-1 after fine-tuning](vtp.png)").doesNotContain("Not run yet");
        assertThat(temp.resolve("vtp-gates.png")).isNotEmptyFile();
        assertThat(temp.resolve("vtp.png")).isNotEmptyFile();
        try (var files = Files.list(temp.resolve("ablations"))) {
            assertThat(files.map(path -> path.getFileName().toString()).sorted()).hasSize(2).allMatch(
                    name -> name.matches("losses-[0-9a-f]{12}-attention-channel-20-images-seed-0-half-[12]\\.json"));
        }
    }

    @Test
    void theLambdaSearchRecordsHowFarEachLambdaPushesTheGatesAndResumes() throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        String[] search = {"experiment", "vtp-lambda", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                "--lambdas", "0,10", "--gate-lr", "0.1", "--gate-epochs", "1", "--train-limit", "512", "--test-limit", "50",
                "--work", temp.resolve("work").toString(), "--out", temp.resolve("lambda").toString()};

        CliRun run = CliRun.of(search);
        CliRun again = CliRun.of(search);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(again.exitCode()).as(again.err()).isZero();
        List<String> rows = Files.readAllLines(temp.resolve("lambda.csv"));
        assertThat(rows).hasSize(5).first().isEqualTo(String.join(",", VtpLambdaSearch.COLUMNS) + ",options");
        assertThat(Files.readAllLines(temp.resolve("lambda.csv"))).as("a rerun recomputes nothing").isEqualTo(rows);
        for (String kind : List.of("attention channels", "MLP units")) {
            assertThat(median(rows, "1e+01", kind)).as(kind).isLessThan(median(rows, "0e+00", kind) - 0.2);
        }
        assertThat(temp.resolve("lambda.md")).content().contains("| 1e+01 | MLP units |").contains("experiment vtp-lambda --model");
        assertThat(temp.resolve("lambda.png")).isNotEmptyFile();
    }

    private static double median(List<String> rows, String lambda, String kind) {
        return rows.stream().map(row -> row.split(",")).filter(cells -> cells[0].equals(lambda) && cells[1].equals(kind))
                .mapToDouble(cells -> Double.parseDouble(cells[3])).findFirst().orElseThrow();
    }
}
