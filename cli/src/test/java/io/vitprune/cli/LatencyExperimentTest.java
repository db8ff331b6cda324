package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.EngineDefaults;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.testing.TestData;
import io.vitprune.core.testing.TestLatencyTables;
import io.vitprune.core.testing.TestModels;
import io.vitprune.experiments.LatencyExperiment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** experiment latency on a tiny model and a few images: end to end, resumed, and refused with other options. No timed assertion. */
class LatencyExperimentTest {
    private static final String SYNTHETIC_TABLE = "synthetic.json";

    @TempDir
    Path temp;

    @Test
    void runsEndToEndWithItsOwnCalibrationResumesWithoutRecomputingAndRefusesOtherOptions() throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        Path work = temp.resolve("work");
        // A budget the tiny model reaches however noisy its table: its blocks are so small that a loaded machine's
        // calibration has put the most any plan saves at 6-9% of the prediction.
        List<String> experiment = List.of("experiment", "latency", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(),
                "--budgets", "0.99", "--ratios", "0.3,0.6", "--step", "2", "--timing-warmups", "1", "--timing-rounds", "3", "--finetune",
                "--finetune-ratios", "0.3", "--train-limit", "128", "--test-limit", "50", "--work", work.toString(), "--out",
                temp.resolve("latency").toString());

        CliRun run = CliRun.of(experiment.toArray(String[]::new));
        List<String> lines = Files.readAllLines(temp.resolve("latency.csv"));
        CliRun again = CliRun.of(experiment.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("calibrated " + work.resolve("latency-table.json"));
        LatencyTable.read(work.resolve("latency-table.json")).requireModel(TestModels.tinyConfig());
        List<Map<String, String>> rows = lines.stream().skip(1).map(LatencyExperimentTest::row).toList();
        assertThat(rows).extracting(row -> row.get("selector") + " " + row.get("target") + " " + row.get("plan_batch")).containsExactly(
                "none - -", "latency 0.99 1", "latency 0.99 32", "global 0.30 -", "global 0.60 -", "uniform 0.30 -", "uniform 0.60 -");
        for (Map<String, String> row : rows) {
            boolean planned = row.get("note").equals("-");
            assertThat(planned || row.get("note").startsWith("unreachable: ")).as(row.toString()).isTrue();
            if (planned) {
                assertThat(Stream.of("top1", "predicted_ms_b1", "predicted_ms_b32", "ms_b1", "ms_q1_b1", "ms_q3_b1", "ms_b32", "ms_q1_b32", "ms_q3_b32")
                        .map(row::get)).as(row.toString()).noneMatch(cell -> cell.equals("-"));
                assertThat(Double.parseDouble(row.get("ms_q1_b1"))).isLessThanOrEqualTo(Double.parseDouble(row.get("ms_b1")));
            }
            boolean latency = row.get("selector").equals("latency");
            assertThat(row.get("planned_budget").equals("-")).as("planned at a budget: " + row).isEqualTo(!latency);
            if (latency) {
                assertThat(Double.parseDouble(row.get("planned_budget"))).as("corrections only tighten").isLessThanOrEqualTo(0.99);
                assertThat(Double.parseDouble(row.get("planning_measured"))).as("measured against the unpruned model").isBetween(0.1, 2.0);
            }
            boolean tuned = planned && (latency || row.get("target").equals("0.30"));
            assertThat(row.get("top1_ft").equals("-")).as("fine-tuned: " + row).isEqualTo(!tuned);
        }
        assertThat(Long.parseLong(rows.get(4).get("macs_per_image"))).isLessThan(Long.parseLong(rows.get(3).get("macs_per_image")));

        assertThat(again.exitCode()).as(again.err()).isZero();
        assertThat(again.err()).contains("reusing the latency table", "done already: timing at batch 1", "done already: timing at batch 32",
                "done already: fine-tune of global ratio 0.30");
        assertThat(Files.readAllLines(temp.resolve("latency.csv"))).as("a rerun recomputes nothing").isEqualTo(lines);
        assertThat(temp.resolve("latency.md")).content().contains("## Goals", "Predicted latency within 10%", "meets its budget",
                "after fine-tuning", "## Batch 1", "## Batch 32", "experiment latency --model").doesNotContain("Not run yet")
                .as("top-1 and fronts in percent, leads in points").doesNotContainPattern("\\| \\d{3,}\\.\\d\\d%").doesNotContainPattern("lead [+-]\\d{3,}");
        for (String plot : List.of("latency-b1.png", "latency-b32.png")) {
            assertThat(Arrays.copyOf(Files.readAllBytes(temp.resolve(plot)), 4)).containsExactly(0x89, 'P', 'N', 'G');
        }

        List<String> other = new ArrayList<>(experiment);
        other.set(other.indexOf("--timing-rounds") + 1, "5");
        CliRun refused = CliRun.of(other.toArray(String[]::new));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("--work " + work, "other inputs or options", "timing-rounds=3").doesNotContain("\tat ");
        assertThat(Files.readAllLines(temp.resolve("latency.csv"))).isEqualTo(lines);

        List<String> retiming = new ArrayList<>(experiment);
        retiming.addAll(List.of("--retime", "32"));
        CliRun retimed = CliRun.of(retiming.toArray(String[]::new));
        assertThat(retimed.exitCode()).as(retimed.err()).isZero();
        assertThat(retimed.err()).contains("done already: timing at batch 1").doesNotContain("done already: timing at batch 32");
        assertThat(retimed.out()).contains("timed 7 models at batch 32");
        assertThat(Files.readAllLines(temp.resolve("latency.csv")).stream().skip(1).map(LatencyExperimentTest::row).toList())
                .as("only the timing at batch 32 is done again").extracting(row -> row.get("ms_b1") + row.get("top1") + row.get("top1_ft"))
                .containsExactlyElementsOf(rows.stream().map(row -> row.get("ms_b1") + row.get("top1") + row.get("top1_ft")).toList());

        Files.delete(work.resolve("latency-table.json"));
        CliRun recalibrating = CliRun.of(experiment.toArray(String[]::new));
        assertThat(recalibrating.exitCode()).as(run.out()).isEqualTo(1);
        assertThat(recalibrating.err()).as("plans of the deleted table are not reused with a new one")
                .contains("planned with a table that is no longer there [latency-b", "]: expected a new --work");
        assertThat(work.resolve("latency-table.json")).doesNotExist();
    }

    @Test
    void aGivenTableMakesPlansWithinTheirPredictedBudgetAndNamesAnUnreachableOne() throws IOException {
        List<String> experiment = withSyntheticTable("0.3,0.8");
        Path table = temp.resolve(SYNTHETIC_TABLE);

        CliRun run = CliRun.of(experiment.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.err()).isZero();
        List<Map<String, String>> rows = Files.readAllLines(temp.resolve("latency.csv")).stream().skip(1).map(LatencyExperimentTest::row).toList();
        Map<String, String> unpruned = rows.get(0);
        for (int batch : List.of(1, 32)) {
            String predicted = "predicted_ms_b" + batch;
            Map<String, String> reachable = find(rows, "latency", "0.80", batch);
            assertThat(reachable.get("note")).isEqualTo("-");
            assertThat(Double.parseDouble(reachable.get(predicted))).isLessThanOrEqualTo(0.8 * Double.parseDouble(unpruned.get(predicted)) + 1e-6);
            assertThat(Integer.parseInt(reachable.get("mlp_units"))).as("both kinds take a turn").isLessThan(2 * 24);
            assertThat(Integer.parseInt(reachable.get("attention_channels"))).isLessThan(2 * 16);
            assertThat(find(rows, "latency", "0.30", batch).get("note")).startsWith("unreachable: no plan within the predicted budget")
                    .contains("attention-channel then mlp-unit");
        }
        assertThat(temp.resolve("latency.md")).content().contains("given (`" + table + "`)", "**not met**", "latency budget 0.30 at batch 1: no plan",
                "Top-1 at equal measured latency after fine-tuning: not measured (run with --finetune)").doesNotContain("Infinity");

        Path otherTable = temp.resolve("other.json");
        withThreads(TestLatencyTables.of(TestModels.tinyConfig(), 2, LatencyTable.LIBTORCH, 1, 32, 64), EngineDefaults.threads()).write(otherTable);
        List<String> withOtherTable = new ArrayList<>(experiment);
        withOtherTable.set(withOtherTable.indexOf("--table") + 1, otherTable.toString());
        CliRun refused = CliRun.of(withOtherTable.toArray(String[]::new));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("other inputs or options", "table was ");
    }

    @Test
    void aNewWorkDirectoryResumesFromTheCsvAndTableByMakingThePrunedModelsAgainAndRefusesOnesThatDifferFromTheirRows() throws IOException {
        List<String> experiment = withSyntheticTable("0.8", "--train-limit", "32");
        List<String> finetuning = new ArrayList<>(experiment);
        finetuning.set(finetuning.indexOf("--work") + 1, temp.resolve("new-work").toString());
        finetuning.addAll(List.of("--finetune", "--finetune-ratios", "0.5"));
        Path csv = temp.resolve("latency.csv");

        CliRun published = CliRun.of(experiment.toArray(String[]::new));
        List<String> lines = Files.readAllLines(csv);
        int global = IntStream.range(0, lines.size()).filter(i -> lines.get(i).startsWith("global,0.50,")).findFirst().orElseThrow();
        String units = row(lines.get(global)).get("mlp_units");
        String otherUnits = String.valueOf(Integer.parseInt(units) + 1);
        List<String> tampered = new ArrayList<>(lines);
        tampered.set(global, lines.get(global).replace("," + units + ",", "," + otherUnits + ","));
        Files.write(csv, tampered);
        CliRun refused = CliRun.of(finetuning.toArray(String[]::new));
        Files.write(csv, lines);
        CliRun resumed = CliRun.of(finetuning.toArray(String[]::new));

        assertThat(published.exitCode()).as(published.err()).isZero();
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("global ratio 0.50: --work " + temp.resolve("new-work") + " lacks its pruned model",
                "mlp_units " + otherUnits + " in the CSV, " + units + " remade").as("refused before any training").doesNotContain("epoch 1/1");
        assertThat(resumed.exitCode()).as(resumed.err()).isZero();
        assertThat(refused.err()).as("the ones that agree are kept")
                .contains("made again (not in --work): the pruned model of latency budget 0.80 at batch 1");
        assertThat(resumed.err()).contains("made again (not in --work): the pruned model of global ratio 0.50", "done already: timing at batch 1");
        List<Map<String, String>> rows = Files.readAllLines(csv).stream().skip(1).map(LatencyExperimentTest::row).toList();
        assertThat(rows).as("fine-tuned: the latency-selected models and the baselines at 0.50")
                .filteredOn(row -> !row.get("top1_ft").equals("-")).extracting(row -> row.get("selector") + " " + row.get("target"))
                .containsExactlyInAnyOrder("latency 0.80", "latency 0.80", "global 0.50", "uniform 0.50");
        assertThat(rows).extracting(row -> row.get("ms_b1") + row.get("top1") + row.get("mlp_units"))
                .as("nothing measured before is measured again").containsExactlyElementsOf(lines.stream().skip(1).map(LatencyExperimentTest::row)
                        .map(row -> row.get("ms_b1") + row.get("top1") + row.get("mlp_units")).toList());
    }

    @Test
    void refusesATableWithoutBatch32OrOfOtherThreadsBeforeAnyWork() throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        Path batch1 = temp.resolve("batch1.json");
        withThreads(TestLatencyTables.of(TestModels.tinyConfig(), 2, LatencyTable.LIBTORCH, 1), EngineDefaults.threads()).write(batch1);
        Path otherThreads = temp.resolve("threads.json");
        withThreads(TestLatencyTables.of(TestModels.tinyConfig(), 2), EngineDefaults.threads() + 1).write(otherThreads);

        CliRun withoutBatch32 = latencyWithTable(model, batch1);
        CliRun ofOtherThreads = latencyWithTable(model, otherThreads);

        assertThat(withoutBatch32.exitCode()).isEqualTo(1);
        assertThat(withoutBatch32.err()).contains("--table " + batch1, "expected batch 32");
        assertThat(ofOtherThreads.exitCode()).isEqualTo(1);
        assertThat(ofOtherThreads.err()).contains("--table " + otherThreads, "measured with " + (EngineDefaults.threads() + 1) + " libtorch threads");
        assertThat(temp.resolve("work")).doesNotExist();
    }

    /**
     * The experiment on a tiny model with a synthetic table of this JVM's threads (ratio 0.5, one
     * timing round, no measured correction: the synthetic table does not predict this machine), then {@code more}.
     */
    private List<String> withSyntheticTable(String budgets, String... more) throws IOException {
        Path model = TestModels.saveTiny(5, temp.resolve("tiny"));
        Path table = temp.resolve(SYNTHETIC_TABLE);
        withThreads(TestLatencyTables.of(TestModels.tinyConfig(), 2), EngineDefaults.threads()).write(table);
        List<String> experiment = new ArrayList<>(List.of("experiment", "latency", "--model", model.toString(), "--data",
                TestData.cifarDirectory().toString(), "--table", table.toString(), "--budgets", budgets, "--ratios", "0.5", "--step", "2",
                "--timing-warmups", "0", "--timing-rounds", "1", "--corrections", "0", "--test-limit", "20", "--work", temp.resolve("work").toString(), "--out",
                temp.resolve("latency").toString()));
        experiment.addAll(List.of(more));
        return experiment;
    }

    private CliRun latencyWithTable(Path model, Path table) {
        return CliRun.of("experiment", "latency", "--model", model.toString(), "--data", TestData.cifarDirectory().toString(), "--table",
                table.toString(), "--work", temp.resolve("work").toString(), "--out", temp.resolve("latency").toString());
    }

    /** A table as measured with {@code threads}: the experiment times with this JVM's and refuses a table of others. */
    private static LatencyTable withThreads(LatencyTable table, int threads) {
        return new LatencyTable(table.format(), table.version(), table.runtime(), threads, table.machine(), table.date(), table.model(), table.grid(),
                table.batches());
    }

    private static Map<String, String> find(List<Map<String, String>> rows, String selector, String target, int batch) {
        return rows.stream().filter(row -> row.get("selector").equals(selector) && row.get("target").equals(target)
                && row.get("plan_batch").equals(String.valueOf(batch))).findFirst().orElseThrow();
    }

    private static Map<String, String> row(String line) {
        String[] cells = line.split(",", -1);
        return IntStream.range(0, LatencyExperiment.COLUMNS.size()).boxed().collect(Collectors.toMap(LatencyExperiment.COLUMNS::get, i -> cells[i]));
    }
}
