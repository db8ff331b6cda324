package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** experiment finetune on a tiny model and a few images. */
class FinetuneExperimentTest {
    @TempDir
    Path temp;

    @Test
    void eachRatioIsFineTunedOnceAndReportedAgainstTheUnprunedModel() throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        String[] experiment = {"experiment", "finetune", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                "--ratios", "0.5", "--train-limit", "128", "--test-limit", "50", "--work", temp.resolve("work").toString(),
                "--out", temp.resolve("finetune").toString()};

        CliRun run = CliRun.of(experiment);
        CliRun again = CliRun.of(experiment);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("done already: weight-l1 global 0.50");
        List<String> rows = Files.readAllLines(temp.resolve("finetune.csv"));
        assertThat(rows).hasSize(3).extracting(row -> row.split(",")[0]).containsExactly("scorer", "none", "weight-l1");
        double unpruned = Double.parseDouble(rows.get(1).split(",")[5]);
        double pruned = Double.parseDouble(rows.get(2).split(",")[5]);
        assertThat(temp.resolve("finetune.md")).content().contains("| none | - | 0% |").contains("| +0.00 |")
                .contains(String.format("| %+.2f |%n", 100 * (pruned - unpruned)));
    }
}
