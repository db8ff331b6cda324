package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import io.vitprune.experiments.TokensExperiment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token merging on the command line, on a tiny model: listing, eval with a reducer, export refused, bad input, the tokens experiment. */
class TokenMergingCommandsTest {
    @TempDir
    Path temp;

    Path model;

    @BeforeEach
    void saveTinyModel() throws IOException {
        model = TestModels.saveTiny(5, temp.resolve("tiny"));
    }

    @Test
    void strategiesListsTomeAsATokenReducerWithItsSettings() {
        CliRun run = CliRun.of("strategies");

        assertThat(run.exitCode()).isZero();
        String reducers = run.out().substring(run.out().indexOf("Token reducers"));
        assertThat(reducers).contains("tome", "strategies-tokens", "(provider tokens)", "setting r", "setting schedule", "decreasing");
    }

    @Test
    void evalRunsAModelWithTokenMergingAndAtRZeroGivesTheModelsOwnTopOne() {
        String[] eval = {"eval", "--model", model.toString(), "--file", CliTest.SAMPLE.toString(), "--limit", "40"};
        CliRun plain = CliRun.of(eval);
        CliRun none = CliRun.of(concat(eval, "--tokens", "tome", "--token-setting", "r=0"));
        CliRun merged = CliRun.of(concat(eval, "--tokens", "tome", "--token-setting", "r=4"));

        assertThat(merged.exitCode()).as(merged.err()).isZero();
        assertThat(merged.out()).contains("of 40 images", "token reducer tome {r=4}", "attention [17, 13]", "MLP [13, 9]");
        assertThat(none.out()).as(none.err()).startsWith(plain.out().substring(0, plain.out().indexOf(" model ")));
    }

    @Test
    void exportRefusesTokenMergingNamingTheFeatureAndWritesNothing() {
        Path out = temp.resolve("merged.onnx");
        CliRun run = CliRun.of("export", "--model", model.toString(), "--out", out.toString(), "--tokens", "tome", "--token-setting", "r=4");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: --tokens tome: token reduction").contains("not exported to ONNX").doesNotContain("\tat ");
        assertThat(out).doesNotExist();
    }

    @Test
    void anUnknownReducerABadSettingOrASettingWithoutAReducerIsRefused() {
        String[] eval = {"eval", "--model", model.toString(), "--file", CliTest.SAMPLE.toString(), "--limit", "8"};
        CliRun unknown = CliRun.of(concat(eval, "--tokens", "tomato"));
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("unknown token reducer 'tomato'").contains("available: tome");

        CliRun negative = CliRun.of(concat(eval, "--tokens", "tome", "--token-setting", "r=-2"));
        assertThat(negative.exitCode()).isEqualTo(1);
        assertThat(negative.err()).contains("tome").contains("r=-2").contains(">= 0");

        CliRun orphan = CliRun.of(concat(eval, "--token-setting", "r=2"));
        assertThat(orphan.exitCode()).isEqualTo(1);
        assertThat(orphan.err()).contains("--token-setting").contains("without --tokens");
    }

    @Test
    void theTokensExperimentWritesItsTableAndPlotAndARerunKeepsFinishedCells() throws IOException {
        Path data = TestData.cifarDirectory();
        Path out = temp.resolve("results").resolve("tokens");
        String[] experiment = {"experiment", "tokens", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--r", "2,4", "--channel-ratios", "0.5", "--channel-selectors", "global", "--combined-r", "2", "--test-limit", "20",
                "--timing-rounds", "1"};

        CliRun run = CliRun.of(experiment);
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> csv = Files.readAllLines(Path.of(out + ".csv"));
        assertThat(csv.get(0)).isEqualTo(String.join(",", TokensExperiment.COLUMNS) + ",options");
        assertThat(csv.subList(1, csv.size())).extracting(line -> line.split(",")[0] + " " + line.split(",")[1] + " " + line.split(",")[5])
                // cls-attention keeps as many tokens in the last block: rho = (14.5 / 16) and (12.5 / 16) with one stage
                .containsExactly("base - 17", "tome r=2 15", "cls-attention rho=0.9063 15", "tome r=4 13", "cls-attention rho=0.7813 13",
                        "weight-l1-global-attention-channel-50% - 17", "weight-l1-global-attention-channel-50%+tome r=2 15");
        assertThat(Files.readString(Path.of(out + ".md"))).contains("Produced by `java -jar cli/target/vitprune.jar experiment tokens")
                .contains("| tome | r=4 |");
        assertThat(ImageIO.read(Path.of(out + ".png").toFile())).isNotNull();

        CliRun rerun = CliRun.of(experiment);
        assertThat(rerun.exitCode()).as(rerun.err()).isZero();
        assertThat(rerun.out()).doesNotContain("top-1");
        assertThat(Files.readAllLines(Path.of(out + ".csv"))).isEqualTo(csv);
    }

    @Test
    void theTokensExperimentFineTunesTheChannelPrunedModelsWhenAsked() throws IOException {
        Path out = temp.resolve("results").resolve("tokens");
        CliRun run = CliRun.of("experiment", "tokens", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(), "--out",
                out.toString(), "--work", temp.resolve("work").toString(), "--r", "2", "--no-baseline", "--channel-ratios", "0.5",
                "--channel-selectors", "global", "--combined-r", "2", "--finetune", "--train-limit", "32", "--test-limit", "20", "--timing-rounds", "1");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(Files.readAllLines(Path.of(out + ".csv")).subList(1, 6)).extracting(line -> line.split(",")[0] + " " + line.split(",")[1])
                .containsExactly("base -", "tome r=2", "weight-l1-global-attention-channel-50% -", "weight-l1-global-attention-channel-50%+tome r=2",
                        "weight-l1-global-attention-channel-50%-ft -");
        assertThat(Files.readAllLines(Path.of(out + ".csv")).get(6)).startsWith("weight-l1-global-attention-channel-50%-ft+tome,r=2,");
        assertThat(temp.resolve("work").resolve("weight-l1-global-attention-channel-50%").resolve("finetuned").resolve("model.json")).exists();
        assertThat(Files.readString(Path.of(out + ".md"))).contains("`-ft`: that model after 1 epoch(s) of KD fine-tuning");
    }

    @Test
    void theTokensExperimentRefusesANegativeRBeforeAnyWork() {
        Path out = temp.resolve("results").resolve("tokens");
        CliRun run = CliRun.of("experiment", "tokens", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(), "--out",
                out.toString(), "--r", "2,-1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: --r [2, -1]").contains(">= 0").doesNotContain("\tat ");
        assertThat(Path.of(out + ".csv")).doesNotExist();
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
