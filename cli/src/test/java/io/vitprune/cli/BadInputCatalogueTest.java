package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The catalogue of bad inputs (docs/reliability.md lists it): every case runs the real command line
 * in-process and must end with exit code != 0, an {@code error:} line naming the input and what was
 * expected, no stack trace (one with {@code --verbose}), no output where none was asked to be kept,
 * and no staging or temporary file left anywhere in the case's directory.
 */
class BadInputCatalogueTest {
    static final Path SAMPLE = CliTest.SAMPLE;

    @TempDir
    static Path shared;

    /** A saved tiny model (depth 2, dim 16, 4 heads of 4): cases copy it before damaging it. */
    static Path model;
    /** The same model pruned to half its attention channels, for cases that mix two models. */
    static Path pruned;

    @BeforeAll
    static void models() throws IOException {
        model = shared.resolve("tiny");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer tiny = TestModels.tiny(5, manager)) {
            ModelStore.save(tiny, model);
        }
        pruned = shared.resolve("tiny-pruned");
        CliRun run = CliRun.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", pruned.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    /**
     * One bad input: {@code setup} prepares the case's directory and returns the command line;
     * {@code output}, relative to that directory, must not exist afterwards (null: nothing to check);
     * {@code usage}: an error of the command line's syntax (picocli, exit 2, never a stack trace).
     */
    record Case(String id, String input, Setup setup, String output, boolean usage, List<String> expected) {
        @Override
        public String toString() {
            return id + ": " + input;
        }
    }

    /** What a case runs: the arguments and plug-in jars to put on the class path. */
    record Call(List<String> args, List<Path> jars) {
        static Call of(String... args) {
            return new Call(List.of(args), List.of());
        }

        /** The same call writing its model to {@code out}. */
        Call withOut(Path out) {
            List<String> changed = new ArrayList<>(args);
            changed.set(changed.indexOf("--out") + 1, out.toString());
            return new Call(changed, jars);
        }
    }

    @FunctionalInterface
    interface Setup {
        Call prepare(Path directory) throws Exception;
    }

    static Case fails(String id, String input, Setup setup, String output, String... expected) {
        return new Case(id, input, setup, output, false, List.of(expected));
    }

    static Case usage(String id, String input, Setup setup, String... expected) {
        return new Case(id, input, setup, null, true, List.of(expected));
    }

    /** {@code prune} of {@code modelDirectory} to {@code directory/out} with more arguments. */
    static Call prune(Path directory, Path modelDirectory, String... more) {
        List<String> args = new ArrayList<>(List.of("prune", "--model", modelDirectory.toString(), "--out", directory.resolve("out").toString()));
        args.addAll(List.of(more));
        return new Call(args, List.of());
    }

    static Path copyModel(Path from, Path directory) throws IOException {
        Path copy = Files.createDirectories(directory.resolve("model"));
        for (String file : List.of(ModelStore.MANIFEST, ModelStore.PARAMETERS)) {
            Files.copy(from.resolve(file), copy.resolve(file));
        }
        return copy;
    }

    /** A model copy whose model.json has {@code from} replaced by {@code to}. */
    static Path editedManifest(Path directory, String from, String to) throws IOException {
        Path copy = copyModel(model, directory);
        Path manifest = copy.resolve(ModelStore.MANIFEST);
        String text = Files.readString(manifest);
        assertThat(text).contains(from);
        Files.writeString(manifest, text.replace(from, to));
        return copy;
    }

    /** A copy of the tiny model at {@code directory/model} with a MODEL_CARD.md, as model-card leaves it. */
    static Path modelWithCard(Path directory) throws IOException {
        Path copy = copyModel(model, directory);
        Files.writeString(copy.resolve("MODEL_CARD.md"), "# Model card: model\n");
        return copy;
    }

    /** A plan that keeps every unit of the tiny model. */
    static Path keepAllPlan(Path directory) throws IOException {
        Path file = directory.resolve("plan.json");
        io.vitprune.core.io.PlanCodec.write(file, io.vitprune.api.PruningPlan.keepAll(ModelStore.readManifest(model).structure()));
        return file;
    }

    /** {@code finetune} of {@code student} (teacher: the tiny model) on 16 images, with {@code directory/work}, to {@code directory/out}. */
    static Call finetune(Path directory, Path student, String... more) {
        List<String> args = new ArrayList<>(List.of("finetune", "--model", student.toString(), "--teacher", model.toString(),
                "--work", directory.resolve("work").toString(), "--out", directory.resolve("out").toString(), "--data",
                TestData.cifarDirectory().toString(), "--batch-size", "16", "--train-limit", "16", "--test-limit", "16"));
        args.addAll(List.of(more));
        return new Call(args, List.of());
    }

    /** A finished finetune run of {@code student} in {@code directory/work}, saved to {@code directory/first}. */
    static void finetuneOnce(Path directory, Path student) {
        List<String> args = new ArrayList<>(finetune(directory, student).args());
        args.set(args.indexOf("--out") + 1, directory.resolve("first").toString());
        CliRun run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.err()).isZero();
    }

    /** {@code train-tokens} of {@code student} (1 epoch, 32 images, one stage), with {@code directory/work}, to {@code directory/<out>}. */
    static Call trainTokens(Path directory, Path student, String out) {
        return Call.of("train-tokens", "--model", student.toString(), "--work", directory.resolve("work").toString(), "--out",
                directory.resolve(out).toString(), "--data", TestData.cifarDirectory().toString(), "--stages", "1", "--rho", "0.5", "--epochs", "1",
                "--batch-size", "16", "--train-limit", "32", "--test-limit", "16");
    }

    /** {@code train} of a ViT of dim 16 on 32 images for 1 epoch (default warm-up), with {@code directory/work}, to {@code directory/<out>}. */
    static Call train(Path directory, String out) {
        return Call.of("train", "--work", directory.resolve("work").toString(), "--out", directory.resolve(out).toString(), "--data",
                TestData.cifarDirectory().toString(), "--dim", "16", "--depth", "1", "--heads", "2", "--dim-head", "8", "--mlp", "16", "--patch", "8",
                "--epochs", "1", "--batch-size", "16", "--train-limit", "32", "--test-limit", "16");
    }

    /** Rewrites a safetensors file without tensor {@code name} (shape null) or with it replaced by zeros of {@code shape}. */
    static void rewriteTensors(Path file, String name, ai.djl.ndarray.types.Shape shape) throws IOException {
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList tensors;
            try (var in = Files.newInputStream(file)) {
                tensors = ai.djl.ndarray.NDList.decode(manager, in);
            }
            ai.djl.ndarray.NDList kept = new ai.djl.ndarray.NDList();
            for (ai.djl.ndarray.NDArray tensor : tensors) {
                if (!tensor.getName().equals(name)) {
                    kept.add(tensor);
                } else if (shape != null) {
                    ai.djl.ndarray.NDArray replaced = manager.zeros(shape);
                    replaced.setName(name);
                    kept.add(replaced);
                }
            }
            Files.write(file, kept.encode(ai.djl.ndarray.NDList.Encoding.SAFETENSORS));
        }
    }

    /** Adds a tensor of zeros named {@code name} to the safetensors {@code file}. */
    static void addTensor(Path file, String name, ai.djl.ndarray.types.Shape shape) throws IOException {
        try (ai.djl.ndarray.NDManager manager = ai.djl.ndarray.NDManager.newBaseManager()) {
            ai.djl.ndarray.NDList tensors;
            try (var in = Files.newInputStream(file)) {
                tensors = ai.djl.ndarray.NDList.decode(manager, in);
            }
            ai.djl.ndarray.NDArray added = manager.zeros(shape);
            added.setName(name);
            tensors.add(added);
            Files.write(file, tensors.encode(ai.djl.ndarray.NDList.Encoding.SAFETENSORS));
        }
    }

    /** A copy of a timm fixture of the interop module (written by scripts/fixtures/timm_vit.py) in {@code directory}. */
    static Path timmFixture(String name, Path directory) throws IOException {
        Path copy = Files.createDirectories(directory.resolve(name));
        try (Stream<Path> files = Files.list(Path.of("../interop/src/test/resources/timm", name))) {
            for (Path file : files.toList()) {
                Files.copy(file, copy.resolve(file.getFileName()));
            }
        }
        return copy;
    }

    /** {@code experiment paper-table --report-only} of the tiny model, from and to {@code directory/table}. */
    static Call paperTableReport(Path directory) {
        return Call.of("experiment", "paper-table", "--report-only", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                "--test-limit", "16", "--out", directory.resolve("table").toString());
    }

    static String plan(String source, String blocks) {
        return "{\"format\": \"vitprune-plan\", \"version\": 1, \"source\": " + source + ", \"blocks\": " + blocks + "}";
    }

    static final String TINY_SOURCE = "{\"dim\": 16, \"blocks\": [{\"headWidths\": [4, 4, 4, 4], \"mlpWidth\": 24},"
            + " {\"headWidths\": [4, 4, 4, 4], \"mlpWidth\": 24}]}";
    static final String ALL_MLP = "[" + String.join(", ", java.util.stream.IntStream.range(0, 24).mapToObj(String::valueOf).toList()) + "]";

    /** A synthetic latency table of {@code config} (head widths in steps of 2) at {@code directory/latency.json}. */
    static Path latencyTable(Path directory, io.vitprune.core.model.VitConfig config) throws IOException {
        Path file = directory.resolve("latency.json");
        io.vitprune.core.testing.TestLatencyTables.of(config, 2).write(file);
        return file;
    }

    /** {@code prune} of the tiny model with the latency selector reading {@code table}, channels in steps of 2, at most 90% of a block. */
    static Call pruneLatency(Path directory, Path table, String... settings) {
        List<String> args = new ArrayList<>(List.of("--ratio", "0.9", "--selector", "latency", "--selector-setting", "table=" + table,
                "--selector-setting", "step=2"));
        for (String setting : settings) {
            args.addAll(List.of("--selector-setting", setting));
        }
        return prune(directory, model, args.toArray(String[]::new));
    }

    static Call prunePlan(Path directory, String json) throws IOException {
        Path file = directory.resolve("plan.json");
        Files.writeString(file, json);
        return prune(directory, model, "--plan", file.toString());
    }

    static Stream<Case> catalogue() {
        return Stream.of(
                // Models and checkpoints
                fails("model-truncated", "parameters.ndlist cut to half its length", d -> {
                    Path copy = copyModel(model, d);
                    byte[] bytes = Files.readAllBytes(copy.resolve(ModelStore.PARAMETERS));
                    Files.write(copy.resolve(ModelStore.PARAMETERS), Arrays.copyOf(bytes, bytes.length / 2));
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "model weights", "parameters.ndlist", "have SHA-256", "the file is truncated, corrupt or from another model"),
                fails("model-foreign-weights", "parameters.ndlist of another model (checksum mismatch)", d -> {
                    Path copy = copyModel(model, d);
                    Files.copy(pruned.resolve(ModelStore.PARAMETERS), copy.resolve(ModelStore.PARAMETERS),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "parameters.ndlist", "model.json expects"),
                fails("model-foreign-file", "parameters.ndlist not in DJL's encoding, with a matching checksum", d -> {
                    Path copy = copyModel(model, d);
                    byte[] text = "not an NDList at all".getBytes(StandardCharsets.UTF_8);
                    Files.write(copy.resolve(ModelStore.PARAMETERS), text);
                    String manifest = Files.readString(copy.resolve(ModelStore.MANIFEST));
                    Files.writeString(copy.resolve(ModelStore.MANIFEST), manifest.replace(ModelStore.readManifest(model).parametersSha256(),
                            java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(text))));
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "parameters.ndlist", "are not a DJL NDList"),
                fails("model-config-weights-disagree", "model.json of the unpruned model over the pruned weights (checksum fixed up)", d -> {
                    Path copy = copyModel(pruned, d);
                    String unpruned = Files.readString(model.resolve(ModelStore.MANIFEST));
                    Files.writeString(copy.resolve(ModelStore.MANIFEST), unpruned.replace(ModelStore.readManifest(model).parametersSha256(),
                            ModelStore.readManifest(pruned).parametersSha256()));
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "model directory", "has shape", "the config and structure expect"),
                fails("model-newer-format", "model.json with formatVersion 99", d -> prune(d,
                        editedManifest(d, "\"formatVersion\" : 1", "\"formatVersion\" : 99"), "--ratio", "0.5"),
                        "out", "has format version 99", "reads versions up to 1", "upgrade vitprune"),
                fails("model-foreign-format", "model.json of another tool (format 'onnx-export')", d -> prune(d,
                        editedManifest(d, "\"format\" : \"vitprune-model\"", "\"format\" : \"onnx-export\""), "--ratio", "0.5"),
                        "out", "model.json", "has format 'onnx-export'", "expected 'vitprune-model'"),
                fails("model-config-not-json", "model.json cut mid-way (not JSON)", d -> {
                    Path copy = copyModel(model, d);
                    String manifest = Files.readString(copy.resolve(ModelStore.MANIFEST));
                    Files.writeString(copy.resolve(ModelStore.MANIFEST), manifest.substring(0, manifest.length() / 2));
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "model config", "model.json", "is not valid"),
                fails("model-without-config", "model directory without model.json", d -> {
                    Path copy = copyModel(model, d);
                    Files.delete(copy.resolve(ModelStore.MANIFEST));
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "has no model.json", "expected a directory written by vitprune"),
                fails("model-without-weights", "model directory without parameters.ndlist", d -> {
                    Path copy = copyModel(model, d);
                    Files.delete(copy.resolve(ModelStore.PARAMETERS));
                    return prune(d, copy, "--ratio", "0.5");
                }, "out", "has no parameters.ndlist", "expected the model's weights"),
                fails("model-is-a-file", "--model names a regular file", d -> {
                    Path file = Files.writeString(d.resolve("model.bin"), "weights?");
                    return prune(d, file, "--ratio", "0.5");
                }, "out", "model directory", "model.bin", "expected a directory written by vitprune"),
                fails("model-missing", "--model names nothing", d -> prune(d, d.resolve("nowhere"), "--ratio", "0.5"),
                        "out", "nowhere", "expected a directory written by vitprune"),
                fails("model-half-written", "a staging directory left by a killed save, given as the model", d -> {
                    Path staging = Files.createDirectories(d.resolve(".model.staging-123"));
                    Files.copy(model.resolve(ModelStore.PARAMETERS), staging.resolve(ModelStore.PARAMETERS));
                    return Call.of("info", staging.toString());
                }, null, ".model.staging-123", "has no model.json"),

                // CIFAR-10 data
                fails("cifar-truncated", "--file cut inside a record", d -> {
                    Path file = d.resolve("truncated.bin");
                    Files.write(file, Arrays.copyOf(Files.readAllBytes(SAMPLE), 3073 * 3 + 17));
                    return Call.of("eval", "--model", model.toString(), "--file", file.toString());
                }, null, "truncated.bin", "has 9236 bytes", "a non-empty multiple of 3,073 bytes"),
                fails("cifar-empty", "--file of 0 bytes", d -> {
                    Path file = Files.createFile(d.resolve("empty.bin"));
                    return Call.of("eval", "--model", model.toString(), "--file", file.toString());
                }, null, "empty.bin", "has 0 bytes", "a non-empty multiple of 3,073 bytes"),
                fails("cifar-wrong-size-split", "--data whose test_batch.bin holds 1,000 records", d -> {
                    Path data = Files.createDirectories(d.resolve("cifar"));
                    Files.copy(SAMPLE, data.resolve("test_batch.bin"));
                    return Call.of("eval", "--model", model.toString(), "--data", data.toString());
                }, null, "test_batch.bin", "has 3073000 bytes", "exactly 30,730,000 bytes"),
                fails("cifar-file-is-directory", "--file names a directory", d -> {
                    Path directory = Files.createDirectories(d.resolve("images.bin"));
                    return Call.of("eval", "--model", model.toString(), "--file", directory.toString());
                }, null, "images.bin", "is a directory", "expected a non-empty multiple of 3,073 bytes"),
                fails("cifar-directory-missing", "--data names nothing", d -> Call.of("eval", "--model", model.toString(), "--data",
                        d.resolve("nowhere").toString()), null, "CIFAR-10 directory", "nowhere", "expected a directory holding test_batch.bin"),
                fails("cifar-bad-label", "--file whose second record has label 200", d -> {
                    byte[] bytes = Arrays.copyOf(Files.readAllBytes(SAMPLE), 3073 * 4);
                    bytes[3073] = (byte) 200;
                    Path file = Files.write(d.resolve("labels.bin"), bytes);
                    return Call.of("eval", "--model", model.toString(), "--file", file.toString());
                }, null, "labels.bin", "record 1 has label 200", "expected 0-9"),
                fails("cifar-limit-zero", "eval --limit 0", d -> Call.of("eval", "--model", model.toString(), "--file", SAMPLE.toString(),
                        "--limit", "0"), null, "image limit 0", "expected > 0"),
                fails("scoring-images-zero", "a data-driven scorer with --scoring-images 0", d -> prune(d, model, "--scorer", "kd-importance",
                        "--ratio", "0.5", "--scoring-images", "0", "--data", TestData.cifarDirectory().toString()),
                        "out", "sample of 0 images", "expected 1 to 50000"),

                // Ratios, kinds, strategies, settings
                fails("ratio-zero", "--ratio 0", d -> prune(d, model, "--ratio", "0"), "out", "pruning ratio 0.0", "expected a number in (0, 1)"),
                fails("ratio-one", "--ratio 1", d -> prune(d, model, "--ratio", "1"), "out", "pruning ratio 1.0", "expected a number in (0, 1)"),
                fails("ratio-negative", "--ratio -0.2", d -> prune(d, model, "--ratio", "-0.2"), "out", "pruning ratio -0.2", "expected a number in (0, 1)"),
                fails("ratio-above-one", "--ratio 1.5", d -> prune(d, model, "--ratio", "1.5"), "out", "pruning ratio 1.5", "expected a number in (0, 1)"),
                fails("ratio-nan", "--ratio NaN", d -> prune(d, model, "--ratio", "NaN"), "out", "pruning ratio NaN", "expected a number in (0, 1)"),
                usage("ratio-not-a-number", "--ratio half", d -> prune(d, model, "--ratio", "half"), "--ratio", "'half' is not a double"),
                fails("ratio-missing", "prune without --ratio or --plan", d -> prune(d, model), "out", "--ratio is missing",
                        "expected a number in (0, 1), or --plan FILE"),
                fails("scorer-unknown", "--scorer nope", d -> prune(d, model, "--scorer", "nope", "--ratio", "0.5"), "out",
                        "unknown scorer 'nope'", "available:", "weight-l1"),
                fails("selector-unknown", "--selector nope", d -> prune(d, model, "--selector", "nope", "--ratio", "0.5"), "out",
                        "unknown selector 'nope'", "available: global, latency, uniform"),
                fails("kind-unknown", "--kind neurons", d -> prune(d, model, "--kind", "neurons", "--ratio", "0.5"), "out",
                        "unit kind 'neurons'", "expected one of attention-channel, attention-head, mlp-unit"),
                fails("kind-unsupported", "--kind token with weight-l1", d -> prune(d, model, "--kind", "token", "--ratio", "0.5"), "out",
                        "scorer 'weight-l1' does not score token"),
                fails("setting-unknown", "--scorer-setting bogus=1", d -> prune(d, model, "--ratio", "0.5", "--scorer-setting", "bogus=1"),
                        "out", "setting 'bogus' of 'weight-l1'", "unknown, expected one of"),
                fails("setting-not-an-integer", "--selector-setting min-kept=many", d -> prune(d, model, "--ratio", "0.5",
                        "--selector-setting", "min-kept=many"), "out", "setting 'min-kept' = 'many'", "expected an integer"),
                fails("selector-min-kept-zero", "--selector-setting min-kept=0 (a block could lose every unit)", d -> prune(d, model, "--ratio", "0.5",
                        "--selector-setting", "min-kept=0"), "out", "setting 'min-kept' = 0 of 'global'", "expected an integer >= 1 (a block keeps at least one unit)"),
                fails("selector-keeps-everything", "--selector-setting min-kept=16 on blocks of 16 channels: nothing can go", d -> prune(d, model,
                        "--ratio", "0.5", "--selector-setting", "min-kept=16"), "out", "removes none of the 32 attention-channel units at pruning ratio 0.5",
                        "expected about 16 removed"),
                fails("scoring-batch-size-zero", "a data-driven scorer with --scoring-batch-size 0", d -> prune(d, model, "--scorer", "kd-importance",
                        "--ratio", "0.5", "--scoring-images", "10", "--scoring-batch-size", "0", "--data", TestData.cifarDirectory().toString()),
                        "out", "scoring batch size 0", "expected > 0"),
                fails("eval-batch-size-zero", "eval --batch-size 0", d -> Call.of("eval", "--model", model.toString(), "--file", SAMPLE.toString(),
                        "--batch-size", "0"), null, "batch size 0", "expected > 0"),
                fails("train-epochs-zero", "train --epochs 0", d -> Call.of("train", "--work", d.resolve("work").toString(), "--out",
                        d.resolve("out").toString(), "--epochs", "0", "--data", TestData.cifarDirectory().toString(),
                        "--train-limit", "10", "--test-limit", "10"), "out", "epochs 0", "expected both > 0"),
                usage("option-unknown", "prune --ratoi 0.5 (misspelt option)", d -> prune(d, model, "--ratoi", "0.5"), "Unknown option", "--ratoi"),

                // Latency tables and budgets
                usage("calibrate-runtime-unknown", "calibrate --runtime tensorrt", d -> Call.of("calibrate", "--model", model.toString(),
                        "--runtime", "tensorrt", "--out", d.resolve("latency.json").toString()), "Invalid value for option '--runtime'",
                        "but was 'tensorrt'"),
                fails("calibrate-batch-zero", "calibrate --batch 0", d -> Call.of("calibrate", "--model", model.toString(), "--batch", "0",
                        "--out", d.resolve("latency.json").toString()), "latency.json", "--batch [0]", "expected one or more batch sizes >= 1"),
                fails("calibrate-out-foreign-file", "calibrate --out a file vitprune did not write", d -> Call.of("calibrate", "--model",
                        model.toString(), "--out", Files.writeString(d.resolve("notes.json"), "my notes").toString()), null,
                        "notes.json exists and is not a latency table vitprune wrote"),
                fails("latency-table-other-model", "--selector latency with a table measured for 64-pixel images", d -> pruneLatency(d,
                        latencyTable(d, new io.vitprune.core.model.VitConfig(64, 8, 16, 2, 4, 4, 24, 10)), "budget=0.9"), "out",
                        "latency table was measured for a model of tokens 65", "the model has tokens 17"),
                fails("latency-budget-unreachable", "--selector latency with budget-ms=0.5, below what any plan reaches", d -> pruneLatency(d,
                        latencyTable(d, TestModels.tinyConfig()), "budget-ms=0.5"), "out", "latency budget 0.500 ms",
                        "below the smallest latency reachable, 2.340 ms", "expected a budget >= 2.340 ms, or a larger --ratio"),
                fails("latency-corrections-without-latency", "--latency-corrections with the global selector", d -> prune(d, model, "--ratio",
                        "0.5", "--latency-corrections", "2"), "out", "--latency-corrections 2", "with --selector latency"),
                fails("latency-batch-not-measured", "--selector latency with batch=8, a batch the table lacks", d -> pruneLatency(d,
                        latencyTable(d, TestModels.tinyConfig()), "budget=0.9", "batch=8"), "out", "measured at batch 1, 32", "expected batch 8"),
                fails("latency-budget-twice", "--selector latency with both budget=0.5 and budget-ms=2", d -> pruneLatency(d,
                        latencyTable(d, TestModels.tinyConfig()), "budget=0.5", "budget-ms=2"), "out", "given both 'budget-ms' and 'budget'",
                        "expected exactly one"),
                fails("latency-table-earlier-version", "--selector latency with a table of format version 1 (before padded blocks)", d -> {
                    Path table = latencyTable(d, TestModels.tinyConfig());
                    Files.writeString(table, Files.readString(table).replace("\"version\" : 4", "\"version\" : 1"));
                    return pruneLatency(d, table, "budget=0.9");
                }, "out", "has version 1: this vitprune reads versions 2 to 4", "calibrate again"),
                fails("latency-table-missing", "--selector latency without table=", d -> prune(d, model, "--ratio", "0.9", "--selector",
                        "latency", "--selector-setting", "budget=0.5"), "out", "needs setting 'table'", "written by 'vitprune calibrate'"),
                fails("latency-table-is-a-plan", "--selector latency with table= a pruning plan", d -> pruneLatency(d, keepAllPlan(d),
                        "budget=0.5"), "out", "has format 'vitprune-plan'", "expected 'vitprune-latency'"),

                // Plans
                fails("plan-other-model", "a plan made for the pruned model, applied to the unpruned one", d -> {
                    try (NDManager manager = NDManager.newBaseManager(); VisionTransformer other = ModelStore.load(pruned, manager)) {
                        io.vitprune.core.io.PlanCodec.write(d.resolve("plan.json"), io.vitprune.api.PruningPlan.keepAll(other.structure()));
                    }
                    return prune(d, model, "--plan", d.resolve("plan.json").toString());
                }, "out", "pruning plan was made for a model of structure", "the model has"),
                fails("plan-removes-a-layer", "a plan keeping no MLP unit of block 1", d -> prunePlan(d, plan(TINY_SOURCE,
                        "[{\"keptAttentionChannels\": [0, 1], \"keptMlpUnits\": " + ALL_MLP + "}, {\"keptAttentionChannels\": [0, 1], \"keptMlpUnits\": []}]")),
                        "out", "pruning plan removes every MLP units of block 1", "expected at least one kept"),
                fails("plan-index-out-of-range", "a plan keeping attention channel 99 of a 16-wide block", d -> prunePlan(d, plan(TINY_SOURCE,
                        "[{\"keptAttentionChannels\": [0, 99], \"keptMlpUnits\": " + ALL_MLP + "}, {\"keptAttentionChannels\": [0], \"keptMlpUnits\": [0]}]")),
                        "out", "keeps attention channels index 99 in block 0", "expected indices below the block's width 16"),
                fails("plan-duplicate-indices", "a plan keeping channel 3 twice", d -> prunePlan(d, plan(TINY_SOURCE,
                        "[{\"keptAttentionChannels\": [3, 3], \"keptMlpUnits\": [0]}, {\"keptAttentionChannels\": [0], \"keptMlpUnits\": [0]}]")),
                        "out", "[3, 3]", "expected unique indices >= 0"),
                fails("plan-not-json", "--plan file cut mid-way", d -> prunePlan(d, plan(TINY_SOURCE, "[").substring(0, 60)),
                        "out", "plan.json", "pruning plan is not valid JSON"),
                fails("plan-newer-version", "a plan of format version 7", d -> prunePlan(d, plan(TINY_SOURCE, "[]")
                        .replace("\"version\": 1", "\"version\": 7")), "out", "plan.json", "has version 7", "upgrade vitprune"),
                fails("plan-missing", "--plan names nothing", d -> prune(d, model, "--plan", d.resolve("nowhere.json").toString()), "out",
                        "nowhere.json", "does not exist", "expected a JSON file written by vitprune"),

                // Plug-ins
                fails("plugin-duplicate-name", "two plug-in jars offering scorer 'twin'", d -> new Call(
                        List.of("prune", "--model", model.toString(), "--scorer", "twin", "--ratio", "0.5", "--out", d.resolve("out").toString()),
                        List.of(TestPlugins.good(d, "TwinA", "twin"), TestPlugins.good(d, "TwinB", "twin"))),
                        "out", "scorer 'twin' is offered twice", "TwinA.jar", "TwinB.jar", "expected unique names"),
                fails("plugin-constructor-throws", "--scorer of a plug-in whose constructor throws", d -> new Call(
                        List.of("prune", "--model", model.toString(), "--scorer", "licensed", "--ratio", "0.5", "--out", d.resolve("out").toString()),
                        List.of(TestPlugins.jar(d, "LicensedPlugin", "licensed", "throw new IllegalStateException(\"needs a licence key\");", 0, "1f", ""))),
                        "out", "unknown scorer 'licensed'", "plug-ins that failed to load", "LicensedPlugin.jar", "needs a licence key"),
                fails("plugin-scores-wrong-length", "a plug-in scorer returning one score too many per block", d -> new Call(
                        List.of("prune", "--model", model.toString(), "--scorer", "too-many", "--ratio", "0.5", "--out", d.resolve("out").toString()),
                        List.of(TestPlugins.jar(d, "TooManyPlugin", "too-many", "", 1, "1f", ""))),
                        "out", "scorer 'too-many' returned", "scores of block 0 have length 17", "expected 16"),
                fails("plugin-scores-nan", "a plug-in scorer returning NaN scores", d -> new Call(
                        List.of("prune", "--model", model.toString(), "--scorer", "nan", "--ratio", "0.5", "--out", d.resolve("out").toString()),
                        List.of(TestPlugins.jar(d, "NanPlugin", "nan", "", 0, "Float.NaN", ""))),
                        "out", "scorer 'nan'", "is NaN", "expected a finite number"),
                fails("plugin-scorer-throws", "a plug-in scorer that throws while scoring", d -> new Call(
                        List.of("prune", "--model", model.toString(), "--scorer", "crashing", "--ratio", "0.5", "--out", d.resolve("out").toString()),
                        List.of(TestPlugins.jar(d, "CrashingPlugin", "crashing", "", 0, "1f", "if (model != null) throw new ArithmeticException(\"bug\");"))),
                        "out", "scorer 'crashing' failed while scoring attention-channel units",
                        "ArithmeticException: bug", "rerun with --verbose"),

                // Output locations
                fails("out-is-a-user-directory", "--out names a directory of someone's files (never deleted)", d -> {
                    Files.createDirectories(d.resolve("photos"));
                    Files.writeString(d.resolve("photos/holiday.jpg"), "precious");
                    return new Call(List.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", d.resolve("photos").toString()), List.of());
                }, null, "photos", "exists and is not a model directory", "expected a new path, an empty directory or a model directory"),
                fails("out-is-a-file", "--out names a regular file (never deleted)", d -> {
                    Files.writeString(d.resolve("notes.txt"), "precious");
                    return new Call(List.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", d.resolve("notes.txt").toString()), List.of());
                }, null, "notes.txt", "exists and is not a directory"),
                fails("out-under-a-file", "--out below a regular file (works as root too)", d -> {
                    Files.writeString(d.resolve("file"), "x");
                    return new Call(List.of("prune", "--model", model.toString(), "--ratio", "0.5", "--out", d.resolve("file/out").toString()), List.of());
                }, null, "--out", "file/out", "exists and is not a directory"),
                fails("plan-out-under-a-file", "--plan-out below a regular file: nothing is written", d -> {
                    Files.writeString(d.resolve("file"), "x");
                    return prune(d, model, "--ratio", "0.5", "--plan-out", d.resolve("file/plan.json").toString());
                }, "out", "--plan-out", "file/plan.json", "exists and is not a directory"),
                fails("scoring-work-not-a-checkpoint-directory", "prune --scoring-work at a directory of other files: never emptied", d -> {
                    Files.createDirectories(d.resolve("results"));
                    Files.writeString(d.resolve("results/table.csv"), "a,b\n");
                    return prune(d, model, "--ratio", "0.5", "--scorer", "kd-importance", "--data", TestData.cifarDirectory().toString(),
                            "--scoring-work", d.resolve("results").toString());
                }, "out", "scoring checkpoint directory", "results", "expected a directory of partial scoring results"),

                // Outputs that are, hold or lie inside an input, or another output: refused before any work (issue 20)
                fails("out-is-the-model", "prune --out the input model (its MODEL_CARD.md too is kept)", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("prune", "--model", copy.toString(), "--ratio", "0.5", "--out", copy.toString());
                }, null, "--out", "is the input --model", "expected an output apart from every input"),
                fails("out-is-the-model-spelt-otherwise", "prune --out model/./ for --model model", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("prune", "--model", copy.toString(), "--ratio", "0.5", "--out", copy + "/./");
                }, null, "is the input --model", "(both are"),
                fails("out-is-a-link-to-the-model", "prune --out a symbolic link to the input model", d -> {
                    Path copy = modelWithCard(d);
                    Path link = Files.createSymbolicLink(d.resolve("link"), copy);
                    return Call.of("prune", "--model", copy.toString(), "--ratio", "0.5", "--out", link.toString());
                }, null, "link", "is the input --model"),
                fails("out-inside-the-model", "prune --out a folder inside the input model", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("prune", "--model", copy.toString(), "--ratio", "0.5", "--out", copy.resolve("pruned").toString());
                }, "model/pruned", "lies inside the input --model"),
                fails("out-holds-the-model", "prune --out the folder that holds the input model", d -> {
                    Path copy = copyModel(model, Files.createDirectories(d.resolve("models")));
                    return Call.of("prune", "--model", copy.toString(), "--ratio", "0.5", "--out", d.resolve("models").toString());
                }, null, "--out", "contains the input --model"),
                fails("plan-out-inside-the-model", "prune --plan-out model/model.json of the input model", d -> {
                    Path copy = modelWithCard(d);
                    return prune(d, copy, "--ratio", "0.5", "--plan-out", copy.resolve(ModelStore.MANIFEST).toString());
                }, "out", "--plan-out", "model.json lies inside the input --model"),
                fails("plan-out-is-the-plan", "prune --plan P --plan-out P", d -> {
                    Path plan = keepAllPlan(d);
                    return prune(d, model, "--plan", plan.toString(), "--plan-out", plan.toString());
                }, "out", "--plan-out", "is the input --plan"),
                fails("plan-out-inside-out", "prune --plan-out inside --out (the save would delete it)", d -> prune(d, model, "--ratio", "0.5",
                        "--plan-out", d.resolve("out/plan.json").toString()), "out", "--out", "contains the output --plan-out"),
                fails("finetune-out-is-the-model", "finetune --model X --out X", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("finetune", "--model", copy.toString(), "--teacher", model.toString(), "--work", d.resolve("work").toString(),
                            "--out", copy.toString(), "--data", TestData.cifarDirectory().toString());
                }, "work", "--out", "is the input --model"),
                fails("train-tokens-out-is-the-model", "train-tokens --model X --out X", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("train-tokens", "--model", copy.toString(), "--work", d.resolve("work").toString(), "--out", copy.toString(),
                            "--data", TestData.cifarDirectory().toString());
                }, "work", "--out", "is the input --model"),
                fails("sample-out-inside-the-data", "sample --out a file inside --data", d -> {
                    Path data = Files.createDirectories(d.resolve("cifar"));
                    Files.copy(SAMPLE, data.resolve("test_batch.bin"));
                    return Call.of("sample", "--data", data.toString(), "--per-class", "1", "--out", data.resolve("sample.bin").toString());
                }, "cifar/sample.bin", "--out", "lies inside the input --data"),
                fails("bench-report-out-is-its-input", "bench-report --out the --jmh-json file", d -> {
                    Path json = Files.writeString(d.resolve("results.json"), "[]");
                    return Call.of("bench-report", "--jmh-json", json.toString(), "--out", json.toString());
                }, null, "--out", "results.json", "is the input --jmh-json"),
                fails("experiment-out-inside-the-model", "experiment finetune --out a prefix inside the input model", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("experiment", "finetune", "--model", copy.toString(), "--work", d.resolve("work").toString(),
                            "--out", copy.resolve("table").toString(), "--data", TestData.cifarDirectory().toString());
                }, "work", "table.csv", "lies inside the input --model"),
                fails("demo-out-is-a-file", "demo --out a regular file: refused at the start, not after the work", d -> {
                    Files.writeString(d.resolve("notes.txt"), "precious");
                    return Call.of("demo", "--model", model.toString(), "--sample", SAMPLE.toString(), "--out", d.resolve("notes.txt").toString());
                }, null, "--out", "notes.txt", "exists and is not a directory"),
                fails("token-picture-out-is-a-directory", "token-picture --out an existing directory", d -> {
                    Files.createDirectories(d.resolve("pictures"));
                    return Call.of("token-picture", "--model", model.toString(), "--file", SAMPLE.toString(), "--out", d.resolve("pictures").toString());
                }, null, "--out", "pictures", "is a directory: expected a file"),

                // Files vitprune did not write are never deleted by a replace
                fails("out-holds-other-files", "prune --out a model directory that also holds notes and a sub-folder", d -> {
                    Path target = copyModel(model, d);
                    Files.writeString(target.resolve("notes.txt"), "mine");
                    Files.createDirectories(target.resolve("runs"));
                    return prune(d, model, "--ratio", "0.5").withOut(target);
                }, null, "holds files a saved model does not have [notes.txt, runs]", "expected a model directory holding only [model.json, parameters.ndlist]"),
                fails("out-holds-a-model-card", "prune --out a model directory with its MODEL_CARD.md (it describes the old model)", d -> {
                    Path target = modelWithCard(d);
                    return prune(d, model, "--ratio", "0.5").withOut(target);
                }, null, "[MODEL_CARD.md]", "which replacing it would delete"),

                // Identity: edited configs, work directories of other runs
                fails("model-config-edited", "model.json with dim_head 4 -> 2, weights untouched", d -> prune(d,
                        editedManifest(d, "\"dimHead\" : 4", "\"dimHead\" : 2"), "--ratio", "0.5"),
                        "out", "model config", "the config was edited after the model was saved", "expected the config the weights were saved with"),
                fails("finetune-work-of-another-model", "finetune --model A --work W where W holds the finished run of model B", d -> {
                    finetuneOnce(d, pruned);
                    return finetune(d, model);
                }, "out", "--work", "holds a run made with other inputs or options", "--model was config SHA-256"),
                fails("finetune-work-of-other-options", "finetune --work W of a run with --beta 1, now with --beta 2", d -> {
                    finetuneOnce(d, pruned);
                    return finetune(d, pruned, "--beta", "2");
                }, "out", "--beta was 1.0, this run has 2.0"),
                fails("finetune-work-of-other-training-data", "finetune --work W of a run on 16 training images, now on 8", d -> {
                    finetuneOnce(d, pruned);
                    List<String> args = new ArrayList<>(finetune(d, pruned).args());
                    args.set(args.indexOf("--train-limit") + 1, "8");
                    return new Call(args, List.of());
                }, "out", "holds a run made with other inputs or options", "training data SHA-256 was"),
                fails("finetune-test-images-without-images", "finetune --test-images DIR without --images (CIFAR-10 training, folder testing)", d -> {
                    List<String> args = new ArrayList<>(finetune(d, pruned).args());
                    args.addAll(List.of("--test-images", Files.createDirectories(d.resolve("val")).toString()));
                    return new Call(args, List.of());
                }, "out", "--test-images without --images"),
                fails("experiment-report-of-other-options", "experiment paper-table --report-only on a table whose cells other options made", d -> {
                    Files.writeString(d.resolve("table.csv"), String.join(",", io.vitprune.experiments.PaperTableExperiment.COLUMNS)
                            + ",options\nnone,-,-,0.00,0,0.5000,1,1,1,model=000000000000;scoring-images=1000\n");
                    return paperTableReport(d);
                }, "table.md", "holds no cells made with this run's inputs and options", "it holds cells of: model=000000000000"),
                fails("experiment-table-without-options", "experiment paper-table --report-only on a table of an earlier version (no options column)",
                        d -> {
                            Files.writeString(d.resolve("table.csv"), String.join(",", io.vitprune.experiments.PaperTableExperiment.COLUMNS)
                                    + "\nnone,-,-,0.00,0,0.5000,1,1,1\n");
                            return paperTableReport(d);
                        }, "table.md", "has no 'options' column", "sed -i"),
                fails("train-tokens-work-of-another-model", "train-tokens --model P --work W where W holds the finished run of another model", d -> {
                    CliRun first = CliRun.of(trainTokens(d, pruned, "first").args().toArray(String[]::new));
                    assertThat(first.exitCode()).as(first.err()).isZero();
                    return trainTokens(d, model, "out");
                }, "out", "--work", "holds a run made with other inputs or options", "--model was config SHA-256"),
                fails("train-work-of-other-architecture", "train --work W of a run with --dim 16, now with --dim 24", d -> {
                    CliRun first = CliRun.of(train(d, "first").args().toArray(String[]::new));
                    assertThat(first.exitCode()).as(first.err()).isZero();
                    List<String> args = new ArrayList<>(train(d, "out").args());
                    args.set(args.indexOf("--dim") + 1, "24");
                    return new Call(args, List.of());
                }, "out", "--dim was 16, this run has 24", "use another work directory"),
                fails("work-without-record", "finetune --work a directory of files with no record of their run", d -> {
                    Files.createDirectories(d.resolve("work/checkpoint"));
                    return finetune(d, pruned);
                }, "out", "holds files but no run-inputs.json"),

                // Options validated before any work, and none ignored
                fails("plan-with-ratio", "prune --plan FILE --ratio 0.5 (the ratio would be ignored)", d -> prune(d, model, "--plan",
                        keepAllPlan(d).toString(), "--ratio", "0.5"), "out", "--ratio given with --plan", "expected --plan alone"),
                fails("plan-with-scorer", "prune --plan FILE --scorer kd-importance (the scorer would be ignored)", d -> prune(d, model, "--plan",
                        keepAllPlan(d).toString(), "--scorer", "kd-importance"), "out", "--scorer given with --plan"),
                fails("demo-ratio-out-of-range", "demo --ratios 0.3,1.5: refused before any scoring", d -> Call.of("demo", "--model", model.toString(),
                        "--sample", SAMPLE.toString(), "--ratios", "0.3,1.5", "--out", d.resolve("demo").toString()), "demo", "pruning ratio 1.5",
                        "expected a number in (0, 1)"),
                fails("train-checkpoint-of-other-options", "train --work with a checkpoint made with another --lr", d -> {
                    List<String> args = new ArrayList<>(List.of("train", "--work", d.resolve("work").toString(), "--data", TestData.cifarDirectory().toString(),
                            "--dim", "16", "--depth", "1", "--heads", "2", "--dim-head", "8", "--mlp", "16", "--patch", "8", "--epochs", "2", "--warmup-epochs", "1",
                            "--batch-size", "16", "--train-limit", "32", "--test-limit", "16"));
                    List<String> first = new ArrayList<>(args);
                    first.addAll(List.of("--out", d.resolve("first").toString()));
                    CliRun run = CliRun.of(first.toArray(String[]::new));
                    assertThat(run.exitCode()).as(run.err()).isZero();
                    args.addAll(List.of("--lr", "5e-4", "--out", d.resolve("out").toString()));
                    return new Call(args, List.of());
                }, "out", "checkpoint", "was made with", "this run asks for", "use another work directory or the same options"),

                // ONNX export and ONNX Runtime
                fails("export-not-a-model", "export --model of a directory of other files", d -> {
                    Files.createDirectories(d.resolve("notes"));
                    Files.writeString(d.resolve("notes/readme.txt"), "not a model");
                    return Call.of("export", "--model", d.resolve("notes").toString(), "--out", d.resolve("model.onnx").toString());
                }, "model.onnx", "model directory", "notes", "has no model.json", "expected a directory written by vitprune"),
                fails("import-register-tokens", "import --from timm of a ViT with register tokens (a reg_token of 4 added to the vit fixture)", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    addTensor(checkpoint.resolve("model.safetensors"), "reg_token", new ai.djl.ndarray.types.Shape(1, 4, 24));
                    return Call.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", d.resolve("out").toString());
                }, "out", "'reg_token': a ViT with register tokens (timm's vit_*_reg*) is not supported yet"),
                fails("import-truncated-weights", "import --from timm of a checkpoint whose model.safetensors is cut to half", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    byte[] bytes = Files.readAllBytes(checkpoint.resolve("model.safetensors"));
                    Files.write(checkpoint.resolve("model.safetensors"), Arrays.copyOf(bytes, bytes.length / 2));
                    return Call.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", d.resolve("out").toString());
                }, "out", "model.safetensors cannot be read as safetensors"),
                fails("import-config-disagrees-with-weights", "import --from timm of a config whose img_size does not fit pos_embed", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    Path config = checkpoint.resolve("config.json");
                    Files.writeString(config, Files.readString(config).replace("\"img_size\": 32", "\"img_size\": 64"));
                    return Call.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", d.resolve("out").toString());
                }, "out", "image size 64", "does not give pos_embed's 17 tokens"),
                fails("import-missing-tensor", "import --from timm of weights without blocks.1.mlp.fc2.bias", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    rewriteTensors(checkpoint.resolve("model.safetensors"), "blocks.1.mlp.fc2.bias", null);
                    return Call.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", d.resolve("out").toString());
                }, "out", "have no tensor 'blocks.1.mlp.fc2.bias'"),
                fails("import-wrong-shape", "import --from timm of weights whose blocks.0.mlp.fc1.bias has 40 values, not 48", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    rewriteTensors(checkpoint.resolve("model.safetensors"), "blocks.0.mlp.fc1.bias", new ai.djl.ndarray.types.Shape(40));
                    return Call.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", d.resolve("out").toString());
                }, "out", "tensor 'blocks.0.mlp.fc1.bias' has shape (40)", "expects (48)"),
                fails("import-not-a-checkpoint", "import --from timm of a directory without model.safetensors", d -> {
                    Files.createDirectories(d.resolve("photos"));
                    Files.writeString(d.resolve("photos/cat.txt"), "meow");
                    return Call.of("import", "--from", "timm", "--checkpoint", d.resolve("photos").toString(), "--out", d.resolve("out").toString());
                }, "out", "no model.safetensors", "expected timm's hub layout"),
                fails("import-out-inside-the-checkpoint", "import --out a directory inside the checkpoint it reads", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    return Call.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", checkpoint.resolve("vitprune").toString());
                }, "vit/vitprune", "lies inside the input --checkpoint"),
                fails("eval-imported-model-on-cifar", "eval on CIFAR-10 of an imported model whose preprocessing is not CIFAR-10's", d -> {
                    Path checkpoint = timmFixture("vit", d);
                    CliRun imported = CliRun.of("import", "--from", "timm", "--checkpoint", checkpoint.toString(), "--out", d.resolve("model").toString());
                    assertThat(imported.exitCode()).as(imported.err()).isZero();
                    return Call.of("eval", "--model", d.resolve("model").toString(), "--file", SAMPLE.toString());
                }, null, "expects images preprocessed as", "mean=[0.5, 0.5, 0.5]", "cannot be evaluated on these images"),
                fails("export-pytorch-out-holds-other-files", "export --format pytorch --out a directory of someone's files (never deleted)", d -> {
                    Files.createDirectories(d.resolve("notes"));
                    Files.writeString(d.resolve("notes/todo.txt"), "keep me");
                    return Call.of("export", "--format", "pytorch", "--model", model.toString(), "--out", d.resolve("notes").toString());
                }, "notes/model.safetensors", "holds [todo.txt]", "expected a new or empty directory or an earlier PyTorch export"),
                fails("eval-images-without-class-folders", "eval --images of a folder of loose images, no class sub-folders", d -> {
                    Path loose = Files.createDirectories(d.resolve("photos"));
                    Files.copy(Path.of("../interop/src/test/resources/timm/images/rings/0.png"), loose.resolve("0.png"));
                    return Call.of("eval", "--model", model.toString(), "--images", loose.toString());
                }, null, "image folder", "photos", "has 0 class folders", "expected class sub-folders"),
                fails("export-out-is-a-directory", "export --out naming an existing directory (never deleted)", d -> {
                    Files.createDirectories(d.resolve("exports"));
                    Files.writeString(d.resolve("exports/old.onnx"), "precious");
                    return Call.of("export", "--model", model.toString(), "--out", d.resolve("exports").toString());
                }, null, "--out", "exports", "is a directory", "expected a file or a new path"),
                fails("export-token-model", "export of a token-pruned model (token keep policies are not exported)", d -> {
                    CliRun train = CliRun.of("train-tokens", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                            "--work", d.resolve("work").toString(), "--out", d.resolve("dvit").toString(), "--stages", "1", "--rho", "0.5",
                            "--epochs", "1", "--batch-size", "32", "--train-limit", "32", "--test-limit", "10");
                    assertThat(train.exitCode()).as(train.err()).isZero();
                    return Call.of("export", "--model", d.resolve("dvit").toString(), "--out", d.resolve("dvit.onnx").toString());
                }, "dvit.onnx", "dvit", "holds a token-pruned model", "plain and structurally pruned models only"),
                fails("export-out-inside-the-model", "export --out a file inside the input model", d -> {
                    Path copy = modelWithCard(d);
                    return Call.of("export", "--model", copy.toString(), "--out", copy.resolve("model.onnx").toString());
                }, "model/model.onnx", "lies inside the input --model"),
                usage("export-quantize-unknown", "export --quantize int4", d -> Call.of("export", "--model", model.toString(), "--out",
                        d.resolve("model.onnx").toString(), "--quantize", "int4"), "--quantize", "expected one of [NONE, INT8]", "'int4'"),
                fails("eval-onnx-not-onnx", "eval --runtime onnxruntime of a text file named .onnx", d -> {
                    Path file = Files.writeString(d.resolve("fake.onnx"), "not a protobuf");
                    return Call.of("eval", "--runtime", "onnxruntime", "--model", file.toString(), "--file", SAMPLE.toString());
                }, null, "ONNX model", "fake.onnx", "cannot be loaded by ONNX Runtime", "expected a model written by vitprune export"),
                fails("eval-onnx-threads-zero", "eval --runtime onnxruntime --threads 0", d -> Call.of("eval", "--runtime", "onnxruntime",
                        "--model", model.toString(), "--file", SAMPLE.toString(), "--threads", "0"), null, "ONNX Runtime threads 0", "expected >= 1"),
                fails("eval-threads-with-libtorch", "eval --threads 2 with --runtime libtorch", d -> Call.of("eval", "--model", model.toString(),
                        "--file", SAMPLE.toString(), "--threads", "2"), null, "--threads 2 with --runtime libtorch",
                        "--threads applies to --runtime onnxruntime"),
                fails("eval-int8-onnx-on-libtorch", "eval of an int8 .onnx file with --runtime libtorch (which runs model directories only)", d -> {
                    CliRun export = CliRun.of("export", "--model", model.toString(), "--out", d.resolve("model-int8.onnx").toString(), "--quantize", "int8");
                    assertThat(export.exitCode()).as(export.err()).isZero();
                    return Call.of("eval", "--model", d.resolve("model-int8.onnx").toString(), "--file", SAMPLE.toString());
                }, null, "model-int8.onnx", "is an ONNX file", "--runtime libtorch runs vitprune model directories",
                        "run with --runtime onnxruntime"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogue")
    void failsCleanly(Case badInput, @TempDir Path directory) throws Exception {
        Call call = badInput.setup().prepare(directory);
        Map<Path, String> before = snapshot(directory);

        CliRun run = runWith(call.jars(), call.args());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(badInput.usage() ? 2 : 1);
        assertThat(run.err()).as("stderr").contains(badInput.expected()).doesNotContain("\tat ");
        if (!badInput.usage()) {
            assertThat(run.err()).as("stderr").startsWith("error: ");
        }
        if (badInput.output() != null) {
            assertThat(directory.resolve(badInput.output())).as("output").doesNotExist();
        }
        assertThat(snapshot(directory)).as("files of the case after the failure").isEqualTo(before);

        List<String> verbose = new ArrayList<>(call.args());
        verbose.add("--verbose");
        CliRun verboseRun = runWith(call.jars(), verbose);
        assertThat(verboseRun.exitCode()).isEqualTo(run.exitCode());
        if (!badInput.usage()) {
            assertThat(verboseRun.err()).as("stderr with --verbose").contains("\tat ").contains(badInput.expected().get(0));
        }
        assertThat(snapshot(directory)).as("files of the case after the failure with --verbose").isEqualTo(before);
    }

    /**
     * Broken plug-in jars beside a good one: a jar that is not a zip, a jar listing a class it does
     * not hold, a jar with a class of a missing dependency, and a provider whose constructor throws.
     * {@code strategies} succeeds, lists the good plug-in's scorer and every broken one with its
     * reason, and pruning with the good plug-in still works.
     */
    @org.junit.jupiter.api.Test
    void brokenPluginJarsAreListedWithTheirReasonAndTheOthersStillLoad(@TempDir Path directory) throws IOException {
        Path good = TestPlugins.good(directory, "GoodPlugin", "good-fixture");
        Path notAZip = Files.writeString(directory.resolve("not-a-zip.jar"), "this is not a jar");
        Path missingClass = directory.resolve("missing-class.jar");
        try (var jar = new java.util.jar.JarOutputStream(Files.newOutputStream(missingClass))) {
            jar.putNextEntry(new java.util.jar.JarEntry("META-INF/services/io.vitprune.api.StrategyProvider"));
            jar.write("com.example.vitprune.NotInThisJar\n".getBytes(StandardCharsets.UTF_8));
        }
        Path throwing = TestPlugins.jar(directory, "ThrowingPlugin", "throwing-fixture",
                "throw new IllegalStateException(\"needs a licence key\");", 0, "1f", "");
        List<Path> jars = List.of(notAZip, missingClass, throwing, good);

        CliRun listing = runWith(jars, List.of("strategies"));
        CliRun prune = runWith(jars, List.of("prune", "--model", model.toString(), "--scorer", "good-fixture", "--ratio", "0.5",
                "--out", directory.resolve("out").toString()));

        assertThat(listing.exitCode()).as(listing.err()).isZero();
        assertThat(listing.out()).contains("good-fixture", "weight-l1", "Broken plug-ins (not loaded):",
                "com.example.vitprune.NotInThisJar from " + missingClass, "not found",
                "com.example.vitprune.ThrowingPlugin from " + throwing, "needs a licence key");
        assertThat(prune.exitCode()).as(prune.err()).isZero();
        assertThat(directory.resolve("out").resolve(ModelStore.MANIFEST)).exists();
    }

    /** Two jars offering one scorer name: {@code strategies} lists the clash, and every other name still prunes. */
    @org.junit.jupiter.api.Test
    void aClashingNameIsListedAndLeavesTheOtherStrategiesUsable(@TempDir Path directory) throws IOException {
        List<Path> jars = List.of(TestPlugins.good(directory, "TwinA", "twin"), TestPlugins.good(directory, "TwinB", "twin"));

        CliRun listing = runWith(jars, List.of("strategies"));
        CliRun prune = runWith(jars, List.of("prune", "--model", model.toString(), "--scorer", "weight-l1", "--ratio", "0.5",
                "--out", directory.resolve("out").toString()));

        assertThat(listing.exitCode()).as(listing.err()).isZero();
        assertThat(listing.out()).contains("Names offered twice", "scorer 'twin'", "TwinA.jar", "TwinB.jar", "weight-l1");
        assertThat(prune.exitCode()).as(prune.err()).isZero();
        assertThat(directory.resolve("out").resolve(ModelStore.MANIFEST)).exists();
    }

    /** A newcomer's first run: {@code train --epochs 1} with the default warm-up of 3 epochs works and says that it clamped it. */
    @org.junit.jupiter.api.Test
    void aOneEpochTrainingClampsTheDefaultWarmUpAndSaysSo(@TempDir Path directory) {
        CliRun run = CliRun.of(train(directory, "model").args().toArray(String[]::new));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("warm-up: the default 3.0 epochs clamped to the run's 1 epoch");
        assertThat(directory.resolve("model").resolve(ModelStore.MANIFEST)).exists();
    }

    /** A model directory holding only a model's files is replaced, and the inputs stay as they were. */
    @org.junit.jupiter.api.Test
    void anOutputHoldingOnlyAnOlderModelIsReplaced(@TempDir Path directory) throws IOException {
        Path input = copyModel(model, directory);
        Path out = Files.createDirectories(directory.resolve("out"));
        Files.copy(pruned.resolve(ModelStore.MANIFEST), out.resolve(ModelStore.MANIFEST));
        Files.copy(pruned.resolve(ModelStore.PARAMETERS), out.resolve(ModelStore.PARAMETERS));
        Map<Path, String> inputBefore = snapshot(input);

        CliRun run = CliRun.of("prune", "--model", input.toString(), "--ratio", "0.25", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(ModelStore.readManifest(out).parametersSha256()).isNotEqualTo(ModelStore.readManifest(pruned).parametersSha256());
        assertThat(snapshot(input)).isEqualTo(inputBefore);
    }

    /** docs/reliability.md lists every case of the catalogue, as {@link #row} writes it. */
    @org.junit.jupiter.api.Test
    void theReliabilityDocumentListsEveryCase() throws IOException {
        String document = Files.readString(Path.of("../docs/reliability.md"));

        List<String> missing = catalogue().map(BadInputCatalogueTest::row).filter(row -> !document.contains(row)).toList();

        assertThat(missing).as("rows to add to (or update in) docs/reliability.md:\n" + String.join("\n", missing)).isEmpty();
    }

    static String row(Case badInput) {
        return "| `" + badInput.id() + "` | " + badInput.input() + " | "
                + String.join(" ... ", badInput.expected().stream().map(fragment -> "`" + fragment + "`").toList()) + " | "
                + (badInput.usage() ? 2 : 1) + " |";
    }

    static CliRun runWith(List<Path> jars, List<String> args) throws IOException {
        if (jars.isEmpty()) {
            return CliRun.of(args.toArray(String[]::new));
        }
        ClassLoader original = Thread.currentThread().getContextClassLoader();
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toUri().toURL();
        }
        try (URLClassLoader loader = new URLClassLoader(urls, original)) {
            Thread.currentThread().setContextClassLoader(loader);
            return CliRun.of(args.toArray(String[]::new));
        } finally {
            Thread.currentThread().setContextClassLoader(original);
        }
    }

    /**
     * Every file under {@code directory} with its size and SHA-256: a failed command must leave
     * exactly this (nothing half-written, no staging or temporary file, nothing of the user's lost).
     */
    static Map<Path, String> snapshot(Path directory) {
        Map<Path, String> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(directory)) {
            for (Path path : walk.toList()) {
                String content = Files.isDirectory(path) ? "directory"
                        : Files.size(path) + " bytes " + java.util.HexFormat.of().formatHex(
                                java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(path)));
                files.put(directory.relativize(path), content);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        return files;
    }
}
