package io.vitprune.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.testing.TestModels;
import io.vitprune.core.train.ProgressBar;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyCalibrationTest {
    static LatencyCalibration.Options options(int widthStep, Integer... batches) {
        return new LatencyCalibration.Options(List.of(batches), widthStep, 8, 0, 1, 3);
    }

    @Test
    void gridOfTheReferenceModel() {
        LatencyTable.Grid grid = new LatencyCalibration(VitConfig.reference(), options(8, 1)).grid();
        assertThat(grid.heads()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(grid.widths()).as("half a step too: a plan at a high ratio keeps narrower heads").containsExactly(4, 8, 16, 24, 32);
        assertThat(grid.extraHeads()).containsExactly(1, 2, 3, 4, 5);
        assertThat(grid.extraWidths()).as("and a group one channel narrower than a head").containsExactly(4, 8, 16, 24, 31);
        assertThat(grid.mlpWidths()).as("and half the narrowest MLP").containsExactly(24, 48, 96, 144, 192, 240, 288, 336, 384);
    }

    @Test
    void gridOfManyHeadsAndAStepWiderThanAHead() {
        LatencyTable.Grid grid = new LatencyCalibration(new VitConfig(32, 4, 768, 12, 12, 64, 3072, 10), options(8, 1)).grid();
        assertThat(grid.heads()).containsExactly(1, 2, 3, 5, 6, 8, 9, 11, 12);
        LatencyTable.Grid tiny = new LatencyCalibration(TestModels.tinyConfig(), options(8, 1)).grid();
        assertThat(tiny.widths()).as("half the head when the step leaves no width below it").containsExactly(2, 4);
        assertThat(tiny.extraWidths()).containsExactly(2, 3);
    }

    @Test
    void aPaddedBlockHasOneHeadAtTheNextNarrowerWidth() {
        LatencyCalibration calibration = new LatencyCalibration(VitConfig.reference(), options(8, 1));
        assertThat(calibration.gridBlocks().paddedBlock(6, 32).headWidths()).containsExactly(32, 32, 32, 32, 32, 24);
        assertThat(calibration.gridBlocks().paddedBlock(3, 8).headWidths()).containsExactly(8, 8, 4);
        assertThat(calibration.gridBlocks().paddedBlock(3, 4).headWidths()).as("below the grid: half").containsExactly(4, 4, 2);
        assertThat(calibration.gridBlocks().paddedBlock(1, 32)).as("one head is never ragged").isNull();
        assertThat(calibration.gridBlocks().paddedNarrowBlock(3, 16).headWidths()).as("the others of the least width").containsExactly(16, 4, 4);
        assertThat(calibration.gridBlocks().paddedNarrowBlock(2, 8)).as("no fewer channels than the padded block (8, 4)").isNull();
        assertThat(calibration.gridBlocks().paddedNarrowBlock(6, 4)).as("the least width").isNull();
        assertThat(calibration.pointsPerBatch(true) - calibration.pointsPerBatch(false)).as("padded blocks of 2-6 heads, narrow ones of 3-6 "
                + "heads but at the least width, and of 2 heads from 16").isEqualTo(5 * 5 + 4 * 4 + 3);
    }

    @Test
    void refusesBadOptionsNamingThem() {
        assertThatThrownBy(() -> options(8, 0)).hasMessageContaining("--batch [0]").hasMessageContaining(">= 1");
        assertThatThrownBy(() -> options(0, 1)).hasMessageContaining("--width-step 0");
    }

    /** Structure only: the times are whatever this machine gave, so only their presence and order are checked. */
    @Test
    void measuresEveryGridPointOfATinyModel() {
        VitConfig tiny = TestModels.tinyConfig();
        LatencyCalibration calibration = new LatencyCalibration(tiny, new LatencyCalibration.Options(List.of(2, 1), 2, 2, 0, 1, 2));
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        LatencyTable table;
        try (LatencyTimer timer = new LibtorchTimer(tiny, 0);
             ProgressBar progress = new ProgressBar(new PrintStream(log, true, StandardCharsets.UTF_8), "calibrate",
                calibration.points(timer), false, Duration.ofSeconds(1))) {
            table = calibration.run(timer, progress);
        }
        assertThat(table.batches()).extracting(LatencyTable.BatchLatency::batch).containsExactly(1, 2);
        assertThat(table.batch(1).execution()).isEqualTo("PADDED");
        assertThat(table.batch(2).execution()).isEqualTo("GROUPED");
        assertThat(table.runtime()).isEqualTo(LatencyTable.LIBTORCH);
        assertThat(table.threads()).isPositive();
        assertThat(table.model()).isEqualTo(LatencyTable.ModelShape.of(tiny));
        LatencyTable.BatchLatency batch = table.batch(2);
        assertThat(batch.uniformMs()).hasDimensions(table.grid().heads().length, table.grid().widths().length);
        assertThat(batch.extraGroupMs()).hasDimensions(table.grid().extraHeads().length, table.grid().extraWidths().length);
        assertThat(batch.mlpMs()).hasSize(table.grid().mlpWidths().length).isSorted();
        assertThat(java.util.Arrays.stream(batch.mlpMs()).allMatch(ms -> ms > 0)).as("every MLP width took time").isTrue();
        assertThat(batch.uniformMs()[table.grid().heads().length - 1]).isSorted();
        assertThat(batch.paddedMs()).as("grouped at batch 2").isNull();
        assertThat(table.batch(1).paddedMs()).hasDimensions(table.grid().heads().length, table.grid().widths().length);
        long points = (calibration.pointsPerBatch(true) + calibration.pointsPerBatch(false)) * 2L + 2;
        assertThat(log.toString(StandardCharsets.UTF_8)).as("every timed point counted once per pass, and each batch's settling once")
                .contains(points + "/" + points).doesNotContain((points + 1) + "/");
    }

    /**
     * Spells of the machine that last less than half the passes do not reach the table: here the
     * first pass runs 100 times slower (a cold engine) and the first half of the second pass twice
     * as fast, and each point keeps its median over the three passes. A whole model here takes a
     * quarter more than its parts plus 3 ms, and the table predicts every whole model so.
     */
    @Test
    void slowAndFastSpellsInAMinorityOfPassesDoNotReachTheTableAndThePartsReachTheLevelOfWholeModels() {
        VitConfig tiny = TestModels.tinyConfig();
        LatencyCalibration calibration = new LatencyCalibration(tiny, options(2, 1));
        int[] calls = {0};
        long pointsPerPass = calibration.pointsPerBatch(true);
        java.util.function.DoubleUnaryOperator spell = ms -> {
            int call = calls[0]++;
            return call < pointsPerPass ? 100 * ms : call < 1.5 * pointsPerPass ? 0.5 * ms : ms;
        };
        LatencyTimer drifting = new SyntheticTimer((block, ms) -> spell.applyAsDouble(ms));
        LatencyTable table = calibration.run(drifting, new ProgressBar(new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                "calibrate", calibration.points(drifting), false, Duration.ofSeconds(1)));
        LatencyTable.BatchLatency batch = table.batch(1);
        int heads = table.grid().heads().length;
        int widths = table.grid().widths().length;
        double fullBlock = tiny.heads() * tiny.dimHead() + tiny.mlpDim() / 10.0;
        assertThat(batch.modelMs()).isCloseTo(1.25 * (0.5 + tiny.depth() * fullBlock) + 3, within(1e-9));
        LatencyModel predicted = LatencyModel.of(table, 1);
        assertThat(predicted.modelMs(tiny.initialStructure())).isCloseTo(batch.modelMs(), within(1e-9));
        ModelStructure between = new ModelStructure(tiny.dim(), List.of(BlockStructure.uniform(1, 2, 6), BlockStructure.uniform(2, 1, 24)));
        for (ModelStructure structure : List.of(calibration.gridBlocks().smallestModel(), between)) {
            assertThat(predicted.modelMs(structure)).as("%s", structure).isCloseTo(wholeMs(structure), within(1e-9));
        }
        assertThat(batch.fixedMs()).as("the overhead of a whole pass joins the fixed parts").isCloseTo(1.25 * 0.5 + 3, within(1e-9));
        for (int h = 0; h < heads; h++) {
            for (int w = 0; w < widths; w++) {
                assertThat(batch.uniformMs()[h][w]).as("%d heads of %d", table.grid().heads()[h], table.grid().widths()[w])
                        .isCloseTo(1.25 * (table.grid().heads()[h] * table.grid().widths()[w] + tiny.mlpDim() / 10.0), within(1e-9));
            }
        }
        assertThat(batch.uniformMs()[heads - 1][widths - 1]).isCloseTo(1.25 * fullBlock, within(1e-9));
        assertThat(batch.mlpMs()[batch.mlpMs().length - 1]).isCloseTo(1.25 * fullBlock, within(1e-9));
        BlockStructure padded = calibration.gridBlocks().paddedBlock(tiny.heads(), tiny.dimHead());
        assertThat(batch.paddedMs()[heads - 1][widths - 1]).isCloseTo(1.25 * (padded.attentionWidth() + tiny.mlpDim() / 10.0), within(1e-9));
    }

    /**
     * One block slowed threefold in every pass (a spell the median over passes keeps), as fast as it is when timed in pairs
     * afterwards: the table holds its true time, where a running minimum would give it its larger neighbour's.
     */
    @Test
    void aPointSlowInEveryPassIsTimedAgainInPairsWithItsLargerNeighbour() {
        VitConfig tiny = TestModels.tinyConfig();
        LatencyCalibration calibration = new LatencyCalibration(tiny, options(2, 1));
        BlockStructure slowed = BlockStructure.uniform(1, calibration.grid().widths()[0], tiny.mlpDim());
        int passes = 3;
        int[] slowedCalls = {0};
        LatencyTimer timer = new SyntheticTimer((block, ms) -> slowed.equals(block) && slowedCalls[0]++ < passes ? 3 * ms : ms);

        LatencyTable.BatchLatency batch = calibration.run(timer, new ProgressBar(new PrintStream(new ByteArrayOutputStream(), true,
                StandardCharsets.UTF_8), "calibrate", calibration.points(timer), false, Duration.ofSeconds(1))).batch(1);

        assertThat(slowedCalls[0]).as("timed once per pass, then in %d pairs", LatencyMeter.PAIRS).isEqualTo(passes + LatencyMeter.PAIRS);
        assertThat(batch.uniformMs()[0][0]).isCloseTo(1.25 * (slowed.attentionWidth() + tiny.mlpDim() / 10.0), within(1e-9));
        assertThat(batch.paddedMs()[0][0]).as("one head: the uniform block").isEqualTo(batch.uniformMs()[0][0]);
    }

    /** Times a block as its channels and a tenth of its MLP, the fixed parts 0.5 ms, whole models as {@link #wholeMs}; each through {@code observe}. */
    private record SyntheticTimer(java.util.function.BiFunction<BlockStructure, Double, Double> observe) implements LatencyTimer {
        @Override
        public String runtime() {
            return LatencyTable.LIBTORCH;
        }

        @Override
        public int threads() {
            return 1;
        }

        @Override
        public String execution(int batch) {
            return LatencyTable.PADDED;
        }

        @Override
        public double blockMs(BlockStructure block, int batch, Timing timing) {
            return observe.apply(block, block.attentionWidth() + block.mlpWidth() / 10.0);
        }

        @Override
        public double fixedMs(int batch, Timing timing) {
            return observe.apply(null, 0.5);
        }

        @Override
        public double modelMs(ModelStructure structure, int batch, Timing timing) {
            return observe.apply(null, wholeMs(structure));
        }

        @Override
        public void close() {
        }
    }

    /** The synthetic runtime's whole model: a quarter more than its parts (0.5 fixed, each block its channels and a tenth of its MLP), plus 3 ms. */
    private static double wholeMs(ModelStructure structure) {
        return 1.25 * (0.5 + structure.blocks().stream().mapToDouble(block -> block.attentionWidth() + block.mlpWidth() / 10.0).sum()) + 3;
    }

    @Test
    void theLevelIsTheUnprunedModelsScaleAloneWhereTheTwoModelsGiveNoPositiveScaleAndOverhead() {
        assertThat(LatencyCalibration.Level.through(10, 8, 4, 2)).isEqualTo(new LatencyCalibration.Level(2, 1));
        assertThat(LatencyCalibration.Level.through(10, 8, 1, 2)).as("a negative overhead").isEqualTo(new LatencyCalibration.Level(0, 1.25));
        assertThat(LatencyCalibration.Level.through(10, 8, 12, 2)).as("a negative scale").isEqualTo(new LatencyCalibration.Level(0, 1.25));
        assertThat(LatencyCalibration.Level.through(10, 8, 10, 8)).as("no smaller model").isEqualTo(new LatencyCalibration.Level(0, 1.25));
    }
}
