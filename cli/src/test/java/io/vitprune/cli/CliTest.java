package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.PlanCodec;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.PluginJars;
import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The command line on a tiny model: listings, pruning, and bad input (clear error, exit 1, nothing written). */
class CliTest {
    /** The bundled balanced test sample, kept in the repository. */
    static final Path SAMPLE = Path.of("../data/cifar10-test-sample-1000.bin");

    @TempDir
    Path temp;

    Path model;

    @BeforeEach
    void saveTinyModel() throws IOException {
        model = TestModels.saveTiny(5, temp.resolve("tiny"));
    }

    @Test
    void strategiesListsTheWeightScorersAndBothSelectorsWithTheirJars() {
        CliRun run = CliRun.of("strategies");

        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("weight-l1", "weight-l2", "uniform", "global");
        assertThat(run.out()).contains("strategies-weight").contains("core");
    }

    @ParameterizedTest
    @ValueSource(strings = {"prune", "train", "experiment finetune", "experiment paper-table", "experiment vtp", "experiment dynamicvit",
            "experiment deploy", "experiment latency", "calibrate"})
    void everyCommandAnswersHelpWithItsOptionsAndTheirDefaults(String command) {
        CliRun run = CliRun.of((command + " --help").split(" "));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).startsWith("Usage: vitprune " + command).contains("--verbose", "Default: ");
        assertThat(run.out()).doesNotContain("${DEFAULT-VALUE}");
    }

    @Test
    void aPluginJarOnTheClasspathIsListedAndPrunes() throws IOException {
        Path jar = PluginJars.build(temp, "random-plugin.jar", "com.example.vitprune.RandomPlugin", PluginJars.example());
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, original)) {
            Thread.currentThread().setContextClassLoader(loader);
            CliRun listing = CliRun.of("strategies");
            CliRun prune = CliRun.of("prune", "--model", model.toString(), "--scorer", "random-fixture", "--selector", "uniform",
                    "--ratio", "0.5", "--out", temp.resolve("pruned").toString());

            assertThat(listing.out()).contains("random-fixture").contains(jar.toString());
            assertThat(prune.exitCode()).as(prune.err()).isZero();
            assertThat(temp.resolve("pruned").resolve(ModelStore.MANIFEST)).exists();
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }
    }

    @Test
    void aBrokenPluginIsListedAsBrokenAndTheOthersStillLoad() throws IOException {
        String throwing = PluginJars.example().replace("RandomPlugin", "ThrowingPlugin")
                .replace("@Override public String name() { return \"random-plugin\"; }",
                        "public ThrowingPlugin() { throw new IllegalStateException(\"needs a licence key\"); }\n    @Override public String name() { return \"throwing\"; }");
        Path jar = PluginJars.build(temp, "throwing-plugin.jar", "com.example.vitprune.ThrowingPlugin", throwing);
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, original)) {
            Thread.currentThread().setContextClassLoader(loader);
            CliRun listing = CliRun.of("strategies");

            assertThat(listing.exitCode()).isZero();
            assertThat(listing.out()).contains("weight-l1", "Broken plug-ins", "com.example.vitprune.ThrowingPlugin", jar.toString(),
                    "needs a licence key");
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }
    }

    @Test
    void pruneWritesASmallerModelAndItsPlanThatInfoAndEvalRead() throws IOException {
        Path out = temp.resolve("pruned");
        Path plan = temp.resolve("plan.json");

        CliRun prune = CliRun.of("prune", "--model", model.toString(), "--scorer", "weight-l1", "--selector", "global", "--ratio", "0.5",
                "--out", out.toString(), "--plan-out", plan.toString());
        CliRun info = CliRun.of("info", out.toString());
        CliRun infoByOption = CliRun.of("info", "--model", out.toString());
        CliRun eval = CliRun.of("eval", "--model", out.toString(), "--file", SAMPLE.toString(), "--limit", "50");

        assertThat(prune.exitCode()).as(prune.err()).isZero();
        assertThat(ModelStore.directorySize(out)).isLessThan(ModelStore.directorySize(model));
        assertThat(PlanCodec.read(plan).removedFraction(io.vitprune.api.UnitKind.ATTENTION_CHANNEL)).isEqualTo(0.5);
        assertThat(info.exitCode()).isZero();
        assertThat(info.out()).contains("parameters");
        assertThat(infoByOption.out()).as(infoByOption.err()).isEqualTo(info.out());
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("of 50 images");
    }

    @Test
    void aPrunedModelExportsToOnnxAndOnnxRuntimeCountsTheSameCorrectImagesAsLibtorch() {
        Path pruned = temp.resolve("pruned-for-onnx");
        Path onnx = temp.resolve("pruned.onnx");
        CliRun prune = CliRun.of("prune", "--model", model.toString(), "--selector", "global", "--ratio", "0.5", "--out", pruned.toString());
        CliRun export = CliRun.of("export", "--model", pruned.toString(), "--out", onnx.toString());
        CliRun libtorch = CliRun.of("eval", "--model", pruned.toString(), "--file", SAMPLE.toString(), "--limit", "200");
        CliRun onnxRuntime = CliRun.of("eval", "--model", onnx.toString(), "--file", SAMPLE.toString(), "--limit", "200", "--runtime", "onnxruntime",
                "--threads", "1");

        assertThat(prune.exitCode()).as(prune.err()).isZero();
        assertThat(export.exitCode()).as(export.err()).isZero();
        assertThat(onnxRuntime.exitCode()).as(onnxRuntime.err()).isZero();
        assertThat(onnxRuntime.out()).contains("on ONNX Runtime (1 threads)");
        assertThat(correct(onnxRuntime.out())).isEqualTo(correct(libtorch.out())).isPositive();
    }

    private static int correct(String evalOutput) {
        java.util.regex.Matcher matcher = java.util.regex.Pattern.compile("\\((\\d+) of \\d+ images\\)").matcher(evalOutput);
        assertThat(matcher.find()).as(evalOutput).isTrue();
        return Integer.parseInt(matcher.group(1));
    }

    @Test
    void aSavedPlanAppliesToTheModelItWasMadeFor() {
        Path plan = temp.resolve("plan.json");
        CliRun first = CliRun.of("prune", "--model", model.toString(), "--ratio", "0.25", "--out", temp.resolve("a").toString(),
                "--plan-out", plan.toString());
        CliRun again = CliRun.of("prune", "--model", model.toString(), "--plan", plan.toString(), "--out", temp.resolve("b").toString());

        assertThat(first.exitCode()).isZero();
        assertThat(again.exitCode()).as(again.err()).isZero();
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "1", "1.5", "-0.2", "NaN"})
    void aRatioOutsideZeroToOneIsRejected(String ratio) {
        Path out = temp.resolve("pruned");
        CliRun run = CliRun.of("prune", "--model", model.toString(), "--ratio", ratio, "--out", out.toString());

        assertFailsCleanly(run, "pruning ratio", "expected a number in (0, 1)");
        assertThat(out).doesNotExist();
    }

    @Test
    void anUnknownScorerNamesWhatIsAvailable() {
        CliRun run = CliRun.of("prune", "--model", model.toString(), "--scorer", "nope", "--ratio", "0.5", "--out", temp.resolve("p").toString());

        assertFailsCleanly(run, "unknown scorer 'nope'", "weight-l1");
        assertThat(temp.resolve("p")).doesNotExist();
    }

    @Test
    void aPlanForAnotherModelIsRejected() throws IOException {
        Path otherModel = temp.resolve("other");
        CliRun pruneOther = CliRun.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", otherModel.toString());
        assertThat(pruneOther.exitCode()).isZero();
        Path plan = temp.resolve("plan.json");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer pruned = ModelStore.load(otherModel, manager)) {
            PlanCodec.write(plan, PruningPlan.keepAll(pruned.structure()));
        }

        CliRun run = CliRun.of("prune", "--model", model.toString(), "--plan", plan.toString(), "--out", temp.resolve("p").toString());

        assertFailsCleanly(run, "pruning plan was made for a model of structure", "the model has");
        assertThat(temp.resolve("p")).doesNotExist();
    }

    @Test
    void aModelDirectoryWithoutConfigIsRejected() throws IOException {
        Files.delete(model.resolve(ModelStore.MANIFEST));

        assertFailsCleanly(CliRun.of("info", model.toString()), model.toString(), "has no model.json");
    }

    @Test
    void weightsOfOtherShapesThanTheConfigAreRejected() throws IOException {
        Path pruned = temp.resolve("pruned");
        assertThat(CliRun.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", pruned.toString()).exitCode()).isZero();
        // The unpruned config over the pruned weights, with the weights' true checksum: only the shapes disagree.
        String prunedChecksum = ModelStore.readManifest(pruned).parametersSha256();
        String unprunedManifest = Files.readString(model.resolve(ModelStore.MANIFEST));
        String unprunedChecksum = ModelStore.readManifest(model).parametersSha256();
        Files.writeString(pruned.resolve(ModelStore.MANIFEST), unprunedManifest.replace(unprunedChecksum, prunedChecksum));

        assertFailsCleanly(CliRun.of("info", pruned.toString()), pruned.toString(), "has shape", "the config and structure expect");
    }

    @Test
    void aTruncatedCifarFileIsRejectedWithItsExpectedSize() throws IOException {
        Path truncated = temp.resolve("truncated.bin");
        Files.write(truncated, java.util.Arrays.copyOf(Files.readAllBytes(SAMPLE), 3073 * 3 + 17));

        assertFailsCleanly(CliRun.of("eval", "--model", model.toString(), "--file", truncated.toString()),
                truncated.toString(), "multiple of 3,073 bytes");
    }

    @Test
    void aWrongSizeCifarSplitIsRejected() throws IOException {
        Path directory = Files.createDirectories(temp.resolve("cifar"));
        Files.copy(SAMPLE, directory.resolve("test_batch.bin"));

        assertFailsCleanly(CliRun.of("eval", "--model", model.toString(), "--data", directory.toString()),
                "test_batch.bin", "exactly 30,730,000 bytes");
    }

    @Test
    void aMissingCifarDirectoryIsRejected() {
        Path missing = temp.resolve("nowhere");

        assertFailsCleanly(CliRun.of("eval", "--model", model.toString(), "--data", missing.toString()), missing.toString(), "expected a directory");
    }

    @Test
    void evalReadsTheTestSplitFromTheDataDirectory() {
        Path data = TestData.cifarDirectory();

        CliRun run = CliRun.of("eval", "--model", model.toString(), "--data", data.toString(), "--limit", "20");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("of 20 images");
    }

    /** Exit 1, the message on stderr without a stack trace, and no staging files left in the work directory. */
    private void assertFailsCleanly(CliRun run, String... messageParts) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: ").contains(messageParts).doesNotContain("\tat ");
        try (Stream<Path> files = Files.list(temp)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(name -> name.startsWith(".") || name.endsWith(".tmp"));
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }
}
