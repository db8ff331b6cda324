package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.io.ModelStore;
import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import io.vitprune.core.tokens.TokenModelStore;
import java.io.IOException;
import io.vitprune.experiments.DynamicVitExperiment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Token pruning on the command line, on a tiny model: listing, training (stop and resume), eval, picture, bad input. */
class TokenCommandsTest {
    @TempDir
    Path temp;

    Path model;

    @BeforeEach
    void saveTinyModel() throws IOException {
        model = TestModels.saveTiny(5, temp.resolve("tiny"));
    }

    @Test
    void strategiesListsTheTokenScorersAndSelectorFromTheirJar() {
        CliRun run = CliRun.of("strategies");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("Token scorers", "dynamicvit", "cls-attention", "Token selectors", "top-k");
        String tokens = run.out().substring(run.out().indexOf("Token scorers"));
        assertThat(tokens).contains("strategies-tokens").contains("(provider tokens)");
    }

    @Test
    void trainTokensStopsResumesAndWritesAModelThatEvalInfoAndTokenPictureRead() throws IOException {
        Path data = TestData.cifarDirectory();
        Path work = temp.resolve("work");
        Path out = temp.resolve("dvit");
        String[] train = {"train-tokens", "--model", model.toString(), "--data", data.toString(), "--work", work.toString(), "--out",
                out.toString(), "--stages", "1", "--rho", "0.5", "--epochs", "2", "--batch-size", "32", "--train-limit", "64", "--test-limit", "20"};

        CliRun first = CliRun.of(concat(train, "--stop-after-epoch", "1"));
        assertThat(first.exitCode()).as(first.err()).isZero();
        assertThat(first.out()).contains("stopped after epoch 1 of 2");
        assertThat(out).doesNotExist();

        CliRun second = CliRun.of(train);
        assertThat(second.exitCode()).as(second.err()).isZero();
        assertThat(second.out()).contains("resuming from").contains("saved " + out).contains("tokens per block [17, 9]");
        assertThat(TokenModelStore.isTokenModel(out)).isTrue();
        assertThat(Files.readAllLines(work.resolve("history.csv"))).hasSize(3);

        CliRun eval = CliRun.of("eval", "--model", out.toString(), "--file", CliTest.SAMPLE.toString(), "--limit", "20");
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("of 20 images").contains("token-pruned model");

        CliRun info = CliRun.of("info", out.toString());
        assertThat(info.exitCode()).as(info.err()).isZero();
        assertThat(info.out()).contains("rho 0.5 before blocks [1], scorer dynamicvit, selector top-k; tokens per block [17, 9]");

        Path png = temp.resolve("tokens.png");
        CliRun picture = CliRun.of("token-picture", "--model", out.toString(), "--file", CliTest.SAMPLE.toString(), "--images", "3", "--out",
                png.toString());
        assertThat(picture.exitCode()).as(picture.err()).isZero();
        var image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(2 * (128 + 6) + 6);
        assertThat(image.getHeight()).isEqualTo(22 + 3 * (128 + 16 + 6) + 6);
    }

    @Test
    void theDynamicVitExperimentWritesItsTablePlotAndPictureAndARerunKeepsFinishedCells() throws IOException {
        Path data = TestData.cifarDirectory();
        Path out = temp.resolve("results").resolve("dynamicvit");
        String[] experiment = {"experiment", "dynamicvit", "--model", model.toString(), "--data", data.toString(), "--work",
                temp.resolve("work").toString(), "--out", out.toString(), "--stages", "1", "--rhos", "0.5", "--epochs", "1", "--batch-size", "32",
                "--train-limit", "32", "--test-limit", "20", "--timing-rounds", "1", "--channel-ratio", "0.5", "--channel-rho", "0.5",
                "--picture-rho", "0.5"};

        CliRun run = CliRun.of(experiment);
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<String> csv = Files.readAllLines(Path.of(out + ".csv"));
        assertThat(csv.get(0)).isEqualTo(String.join(",", DynamicVitExperiment.COLUMNS) + ",options");
        assertThat(csv.subList(1, csv.size())).extracting(line -> line.split(",")[0] + " " + line.split(",")[1]).containsExactly(
                "base 1.00", "dynamicvit 0.50", "cls-attention 0.50", "weight-l1-attention-channel-50% 1.00",
                "weight-l1-attention-channel-50%+dynamicvit 0.50");
        assertThat(Files.readString(Path.of(out + ".md"))).contains("Produced by `java -jar cli/target/vitprune.jar experiment dynamicvit")
                .contains("| dynamicvit | 0.50 |").contains("dynamicvit-tokens.png");
        assertThat(ImageIO.read(Path.of(out + ".png").toFile())).isNotNull();
        assertThat(ImageIO.read(Path.of(out + "-tokens.png").toFile()).getHeight()).isEqualTo(22 + 8 * (128 + 16 + 6) + 6);

        CliRun rerun = CliRun.of(experiment);
        assertThat(rerun.exitCode()).as(rerun.err()).isZero();
        assertThat(rerun.out()).doesNotContain("epoch 1").doesNotContain("rho 0.50: top-1");
        assertThat(Files.readAllLines(Path.of(out + ".csv"))).isEqualTo(csv);
    }

    @Test
    void aKeepRatioOutsideZeroToOneOrAStageBeyondTheModelIsRejected() {
        Path data = TestData.cifarDirectory();
        for (String[] bad : new String[][] {{"--rho", "1.5", "--stages", "1"}, {"--rho", "0.5", "--stages", "2"}}) {
            CliRun run = CliRun.of(concat(new String[] {"train-tokens", "--model", model.toString(), "--data", data.toString(), "--work",
                    temp.resolve("w").toString(), "--out", temp.resolve("o").toString(), "--train-limit", "32"}, bad));
            assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
            assertThat(run.err()).startsWith("error: ").containsAnyOf("rho 1.5", "block 2").doesNotContain("\tat ");
            assertThat(temp.resolve("o")).doesNotExist();
        }
    }

    private static String[] concat(String[] first, String... more) {
        String[] all = java.util.Arrays.copyOf(first, first.length + more.length);
        System.arraycopy(more, 0, all, first.length, more.length);
        return all;
    }
}
