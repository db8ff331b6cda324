package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crashes and full or read-only disks, with nothing lost: each test kills a JVM of its own (SIGKILL)
 * or limits it, then checks that what was there before is intact and loads, that nothing
 * half-written is taken for a result, and that a rerun reaches the result of an uninterrupted run.
 */
class CrashSafetyTest {
    @TempDir
    Path temp;

    static Path saveRandom(VitConfig config, long seed, Path directory) throws IOException {
        try (NDManager manager = NDManager.newBaseManager();
                VisionTransformer model = TestModels.random(config, config.initialStructure(), seed, manager)) {
            ModelStore.save(model, directory);
        }
        return directory;
    }

    @SuppressWarnings("try") // the model is loaded only to prove the directory loads; it is closed unread
    static String checksum(Path modelDirectory) {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(modelDirectory, manager)) {
            return ModelStore.readManifest(modelDirectory).parametersSha256();
        }
    }

    static List<String> hidden(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).filter(name -> name.startsWith(".")).sorted().toList();
        }
    }

    @Test
    void aSaveKilledAtRandomMomentsLeavesTheLastCompleteModelLoadable() throws Exception {
        VitConfig config = new VitConfig(32, 4, 64, 2, 4, 16, 128, 10);
        String a = checksum(saveRandom(config, 1, temp.resolve("a")));
        String b = checksum(saveRandom(config, 2, temp.resolve("b")));
        Path target = saveRandom(config, 1, temp.resolve("target"));
        Random random = new Random(7);
        for (int kill = 0; kill < 4; kill++) {
            Subprocess loop = Subprocess.start(temp.resolve("loop-" + kill + ".log"), SaveLoop.class.getName(),
                    List.of(temp.resolve("a").toString(), temp.resolve("b").toString(), target.toString()));
            assertThat(loop.awaitWhileRunning(() -> loop.output().contains("saving"), Duration.ofMinutes(1))).as(loop.output()).isTrue();
            Thread.sleep(50 + random.nextInt(400));
            assertThat(loop.isAlive()).as(loop.output()).isTrue();
            loop.kill();

            assertThat(checksum(target)).as("the model after kill %d", kill).isIn(a, b);
        }
        // A staging directory of a killed save is hidden and never read as the model; the next save clears what was moved aside.
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = ModelStore.load(temp.resolve("a"), manager)) {
            ModelStore.save(model, target);
        }
        assertThat(hidden(temp)).allMatch(name -> name.startsWith(".target.staging-"));
        assertThat(checksum(target)).isEqualTo(a);
    }

    @Test
    void aSaveKilledBetweenItsTwoRenamesIsRepairedByTheNextLoad() throws IOException {
        VitConfig config = TestModels.tinyConfig();
        Path target = saveRandom(config, 1, temp.resolve("target"));
        String before = checksum(target);
        // What a kill between "move the old copy aside" and "move the new one in" leaves: no target,
        // the old copy aside, the new one complete or not in its staging directory.
        Files.move(target, temp.resolve(".target.old-0000018c5a1b2c3d"));
        Path staging = Files.createDirectories(temp.resolve(".target.staging-42"));
        Files.write(staging.resolve(ModelStore.PARAMETERS), new byte[] {1, 2, 3});

        assertThat(checksum(target)).isEqualTo(before);
        assertThat(hidden(temp)).containsExactly(".target.staging-42");
    }

    @Test
    void aCheckpointSaveKilledBetweenItsTwoRenamesIsResumedNotRestarted() throws IOException {
        List<String> settings = List.of("train", "--data", TestData.cifarDirectory().toString(), "--dim", "16", "--depth", "1", "--heads", "2",
                "--dim-head", "8", "--mlp", "16", "--patch", "8", "--epochs", "1", "--warmup-epochs", "1", "--batch-size", "16",
                "--train-limit", "32", "--test-limit", "16", "--work", temp.resolve("work").toString(), "--out", temp.resolve("out").toString());
        CliRun first = CliRun.of(settings.toArray(String[]::new));
        assertThat(first.exitCode()).as(first.err()).isZero();
        Files.move(temp.resolve("work/checkpoint"), temp.resolve("work/.checkpoint.old-0000018c5a1b2c3d"));

        CliRun again = CliRun.of(settings.toArray(String[]::new));

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.out()).contains("resuming from", "after epoch 1").doesNotContain("epoch 1:");
        assertThat(hidden(temp.resolve("work"))).isEmpty();
    }

    @Test
    void aFullOutputLocationFailsCleanlyAndKeepsThePreviousModel() throws Exception {
        Path model = saveRandom(new VitConfig(32, 4, 64, 2, 4, 16, 128, 10), 3, temp.resolve("model"));
        Path out = temp.resolve("out");
        CliRun first = CliRun.of("prune", "--model", model.toString(), "--ratio", "0.3", "--out", out.toString());
        assertThat(first.exitCode()).as(first.err()).isZero();
        String previous = checksum(out);
        long limitKiB = Files.size(out.resolve(ModelStore.PARAMETERS)) / 2 / 1024;

        // ulimit -f: writes past the limit fail with EFBIG ("File too large"), as on a full disk (ENOSPC).
        Subprocess full = Subprocess.start(temp.resolve("full.log"), "ulimit -f " + limitKiB, Main.class.getName(),
                List.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", out.toString()));
        int exit = full.waitFor(Duration.ofMinutes(2));

        assertThat(exit).as(full.output()).isEqualTo(1);
        assertThat(full.output()).contains("error: cannot save model to " + out, "File too large", "nothing was changed").doesNotContain("\tat ");
        assertThat(checksum(out)).isEqualTo(previous);
        assertThat(hidden(temp)).isEmpty();
    }

    @Test
    void aReadOnlyOutputLocationFailsCleanly() throws IOException {
        Path model = saveRandom(TestModels.tinyConfig(), 3, temp.resolve("model"));
        Path locked = Files.createDirectories(temp.resolve("locked"));
        Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("r-xr-xr-x"));
        try {
            assumeFalse(canWrite(locked), "permissions are not enforced for this user (root): the catalogue's out-under-a-file "
                    + "case covers an unwritable location instead");
            CliRun run = CliRun.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", locked.resolve("out").toString());

            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).startsWith("error: cannot save model to " + locked.resolve("out")).contains("permission denied")
                    .doesNotContain("\tat ");
            try (Stream<Path> files = Files.list(locked)) {
                assertThat(files).isEmpty();
            }
        } finally {
            Files.setPosixFilePermissions(locked, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    private static boolean canWrite(Path directory) {
        try {
            Files.delete(Files.createTempFile(directory, "probe", ".tmp"));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    @Test
    void trainingKilledMidwayResumesToTheWeightsOfAnUninterruptedRun() throws Exception {
        Path data = TestData.cifarDirectory();
        List<String> settings = List.of("--data", data.toString(), "--dim", "32", "--depth", "2", "--heads", "2", "--dim-head", "16",
                "--mlp", "64", "--patch", "8", "--epochs", "3", "--warmup-epochs", "1", "--batch-size", "32", "--train-limit", "1024",
                "--test-limit", "64", "--seed", "11");
        CliRun reference = CliRun.of(args("train", settings, "--work", temp.resolve("work-ref"), "--out", temp.resolve("ref")));
        assertThat(reference.exitCode()).as(reference.err()).isZero();

        Path work = temp.resolve("work");
        Path state = work.resolve("checkpoint/state.json");
        Subprocess training = Subprocess.start(temp.resolve("train.log"), Main.class.getName(),
                List.of(args("train", settings, "--work", work, "--out", temp.resolve("out"))));
        assertThat(training.awaitWhileRunning(() -> Files.exists(state), Duration.ofMinutes(2)) && training.isAlive())
                .as("still training after the first checkpoint: " + training.output()).isTrue();
        training.kill();
        assertThat(temp.resolve("out")).doesNotExist();

        CliRun resumed = CliRun.of(args("train", settings, "--work", work, "--out", temp.resolve("out")));

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.out()).contains("resuming from").doesNotContain("epoch 1:");
        assertThat(checksum(temp.resolve("out"))).isEqualTo(checksum(temp.resolve("ref")));
    }

    @Test
    void anExperimentKilledDuringScoringAndDuringFineTuningResumesToTheSameTable() throws Exception {
        Path data = TestData.cifarDirectory();
        Path model = saveRandom(new VitConfig(32, 4, 64, 2, 4, 16, 128, 10), 9, temp.resolve("model"));
        List<String> settings = List.of("--data", data.toString(), "--model", model.toString(), "--ratios", "0.3,0.6", "--seeds", "0",
                "--scoring-images", "60", "--scoring-batch-size", "10", "--test-limit", "250", "--finetune-epochs", "1", "--train-limit", "64",
                "--finetune-methods", "weight-l1,kd-importance:alpha=1");
        CliRun reference = CliRun.of(args("experiment", List.of("paper-table"), "--work", temp.resolve("work-ref"),
                "--ablations", temp.resolve("ablations-ref"), "--out", temp.resolve("ref"), settings));
        assertThat(reference.exitCode()).as(reference.err()).isZero();

        Path ablations = temp.resolve("ablations");
        String losses = "losses-" + checksum(model).substring(0, 12) + "-attention-channel-60-images-seed-0-half-1";
        Path partial = ablations.resolve(losses + ".partial");
        Path csv = temp.resolve("table.csv");
        String[] experiment = args("experiment", List.of("paper-table"), "--work", temp.resolve("work"), "--ablations", ablations,
                "--out", temp.resolve("table"), settings);
        // 1: killed inside the ablation measurement, after its first scoring batch.
        Subprocess scoring = Subprocess.start(temp.resolve("run1.log"), Main.class.getName(), List.of(experiment));
        assertThat(scoring.awaitWhileRunning(() -> Files.exists(partial), Duration.ofMinutes(2)) && scoring.isAlive())
                .as("still scoring after the first batch: " + scoring.output()).isTrue();
        scoring.kill();
        assertThat(ablations.resolve(losses + ".json")).doesNotExist();
        // 2: resumes the measurement, then is killed among the fine-tuned cells (header + 29 cells without fine-tuning: the
        // unpruned model, weight-l1 and 6 criteria x 2 selectors x 2 ratios; + 2).
        Subprocess cells = Subprocess.start(temp.resolve("run2.log"), Main.class.getName(), List.of(experiment));
        assertThat(cells.awaitWhileRunning(() -> lines(csv) >= 32, Duration.ofMinutes(2)) && cells.isAlive())
                .as("still measuring cells: " + cells.output()).isTrue();
        cells.kill();
        assertThat(cells.output()).contains("resuming the ablation of attention-channel units from " + partial);
        // 3: finishes the remaining cells.
        CliRun finish = CliRun.of(experiment);

        assertThat(finish.exitCode()).as(finish.err()).isZero();
        assertThat(Files.readString(ablations.resolve(losses + ".json")))
                .isEqualTo(Files.readString(temp.resolve("ablations-ref").resolve(losses + ".json")));
        assertThat(partial).doesNotExist();
        assertThat(Files.readAllLines(csv)).hasSize(1 + 29 + 8).isEqualTo(Files.readAllLines(temp.resolve("ref.csv")));
        assertThat(temp.resolve("table.md")).content().contains("## After 1 epoch(s) of KD fine-tuning");
    }

    @Test
    void aPruneKilledDuringScoringResumesToTheModelOfAnUninterruptedRun() throws Exception {
        Path model = saveRandom(new VitConfig(32, 4, 64, 2, 4, 16, 128, 10), 9, temp.resolve("model"));
        List<String> settings = List.of("--data", TestData.cifarDirectory().toString(), "--model", model.toString(), "--scorer", "kd-importance",
                "--ratio", "0.5", "--scoring-images", "60", "--scoring-batch-size", "10");
        CliRun reference = CliRun.of(args("prune", settings, "--out", temp.resolve("ref")));
        assertThat(reference.exitCode()).as(reference.err()).isZero();
        assertThat(hidden(temp)).as("scoring checkpoints are removed once the model is saved").isEmpty();

        Path out = temp.resolve("pruned");
        Path scoring = temp.resolve(".pruned.scoring");
        Subprocess pruning = Subprocess.start(temp.resolve("prune.log"), Main.class.getName(), List.of(args("prune", settings, "--out", out)));
        assertThat(pruning.awaitWhileRunning(() -> Files.exists(scoring.resolve("ablation-attention-channel.json")), Duration.ofMinutes(2))
                && pruning.isAlive()).as("still scoring after the first batch: " + pruning.output()).isTrue();
        pruning.kill();
        assertThat(out).doesNotExist();

        CliRun resumed = CliRun.of(args("prune", settings, "--out", out));

        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(resumed.err()).contains("resuming scoring from " + scoring);
        assertThat(checksum(out)).isEqualTo(checksum(temp.resolve("ref")));
        assertThat(scoring).doesNotExist();
    }

    private static long lines(Path file) {
        try {
            return Files.exists(file) ? Files.readAllLines(file).size() : 0;
        } catch (IOException e) {
            return 0; // being replaced at this moment
        }
    }

    /** A command line from words, paths and lists of words. */
    static String[] args(Object... parts) {
        List<String> args = new ArrayList<>();
        for (Object part : parts) {
            if (part instanceof List<?> list) {
                list.forEach(word -> args.add(word.toString()));
            } else {
                args.add(part.toString());
            }
        }
        return args.toArray(String[]::new);
    }
}
