package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.testing.TestLatencyTables;
import io.vitprune.core.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code calibrate} on a tiny model and grid (structure only: the times are this machine's), and {@code prune} with the latency selector. */
class LatencyCommandsTest {
    @TempDir
    static Path directory;
    static Path model;

    @BeforeAll
    static void saveTinyModel() throws Exception {
        model = TestModels.saveTiny(3, directory.resolve("tiny"));
    }

    @Test
    void calibrateWritesATableOfTheModelsShapeAndReplacesOnlyItsOwn() throws Exception {
        Path out = directory.resolve("latency.json");
        String[] args = {"calibrate", "--model", model.toString(), "--batch", "1,2", "--width-step", "2", "--mlp-points", "2",
            "--warmups", "0", "--rounds", "1", "--out", out.toString()};
        CliRun run = CliRun.of(args);

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("calibrating libtorch", "batch 1: predicted", "batch 2: predicted", "wrote " + out);
        LatencyTable table = LatencyTable.read(out);
        table.requireModel(TestModels.tinyConfig());
        assertThat(table.batches()).extracting(LatencyTable.BatchLatency::batch).containsExactly(1, 2);
        assertThat(table.grid().widths()).containsExactly(1, 2, 4);
        assertThat(table.grid().mlpWidths()).containsExactly(6, 12, 24);
        assertThat(run.err()).contains("calibrate");

        CliRun again = CliRun.of(args);
        assertThat(again.exitCode()).as("a table vitprune wrote may be replaced: " + again.err()).isZero();
        assertThat(Files.list(directory)).containsExactlyInAnyOrder(model, out);
    }

    @Test
    void calibrateOnOnnxRuntimeTimesExportedModels() throws Exception {
        Path out = directory.resolve("onnx-latency.json");
        CliRun run = CliRun.of("calibrate", "--model", model.toString(), "--runtime", "onnxruntime", "--batch", "2", "--width-step", "2",
                "--mlp-points", "2", "--warmups", "0", "--rounds", "1", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("calibrating onnxruntime");
        LatencyTable table = LatencyTable.read(out);
        table.requireRuntime("onnxruntime");
        assertThat(table.batch(2).execution()).isEqualTo("GROUPED");
        assertThat(table.batch(2).uniformMs()).hasDimensions(table.grid().heads().length, table.grid().widths().length);
        Files.delete(out);
    }

    @Test
    void pruneSpendsTheBudgetAndPrintsThePredictedLatency() throws Exception {
        Path table = directory.resolve("synthetic.json");
        TestLatencyTables.of(TestModels.tinyConfig(), 2).write(table);
        Path out = directory.resolve("pruned");
        CliRun run = CliRun.of("prune", "--model", model.toString(), "--selector", "latency", "--selector-setting", "table=" + table,
                "--selector-setting", "budget=0.95", "--selector-setting", "step=2", "--ratio", "0.9", "--latency-corrections", "0",
                "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).as("the table's plan, unmeasured").doesNotContain("measured latency");
        LatencyModel predicted = LatencyModel.of(LatencyTable.read(table), 1);
        ModelStructure before = TestModels.tinyConfig().initialStructure();
        ModelStructure after = ModelStore.readManifest(out).structure();
        assertThat(predicted.modelMs(after)).isLessThanOrEqualTo(0.95 * predicted.modelMs(before));
        assertThat(run.out()).contains("MACs/image", String.format(java.util.Locale.ROOT, "predicted latency %.3f -> %.3f ms",
                predicted.modelMs(before), predicted.modelMs(after)), "libtorch, batch 1", table.toString());
        try (NDManager manager = NDManager.newBaseManager(); var loaded = ModelStore.load(out, manager)) {
            assertThat(loaded.structure()).isEqualTo(after);
        }
    }

    @Test
    void pruneMeasuresThePlanOnThisMachineAgainstTheBudget(@TempDir Path measuring) throws Exception {
        // The synthetic table predicts milliseconds per block where the tiny model takes a fraction of one: measured, any plan meets the budget.
        Path table = measuring.resolve("synthetic.json");
        TestLatencyTables.of(TestModels.tinyConfig(), 2).write(table);
        double budgetMs = 0.98 * LatencyModel.of(LatencyTable.read(table), 1).modelMs(TestModels.tinyConfig().initialStructure());
        Path out = measuring.resolve("pruned");
        CliRun run = CliRun.of("prune", "--model", model.toString(), "--selector", "latency", "--selector-setting", "table=" + table,
                "--selector-setting", "budget-ms=" + budgetMs, "--selector-setting", "step=2", "--ratio", "0.9", "--out", out.toString());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.err()).contains("measuring the plan on libtorch at batch 1");
        assertThat(run.out()).containsPattern("measured latency in ms: planned at [0-9.]+ -> predicted [0-9.]+, measured [0-9.]+\\n")
                .as("met at the first plan: no correction").doesNotContain(", planned at");
        assertThat(ModelStore.readManifest(out).structure()).isNotEqualTo(TestModels.tinyConfig().initialStructure());
    }
}
