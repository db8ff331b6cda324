package io.vitprune.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.testing.TestLatencyTables;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyModelTest {
    static final VitConfig REFERENCE = VitConfig.reference();
    static final LatencyTable TABLE = TestLatencyTables.of(REFERENCE, 8);
    static final LatencyModel AT_1 = LatencyModel.of(TABLE, 1);
    static final LatencyModel AT_32 = LatencyModel.of(TABLE, 32);

    @Test
    void predictsEveryGridPointAsMeasured() {
        LatencyTable.Grid grid = TABLE.grid();
        LatencyTable.BatchLatency measured = TABLE.batch(1);
        double fullMlp = measured.mlpMs()[grid.mlpWidths().length - 1];
        for (int h = 0; h < grid.heads().length; h++) {
            for (int w = 0; w < grid.widths().length; w++) {
                BlockStructure block = BlockStructure.uniform(grid.heads()[h], grid.widths()[w], REFERENCE.mlpDim());
                assertThat(AT_1.blockMs(block)).as("%s", block).isCloseTo(measured.uniformMs()[h][w], within(1e-9));
            }
        }
        for (int m = 0; m < grid.mlpWidths().length; m++) {
            BlockStructure block = BlockStructure.uniform(REFERENCE.heads(), REFERENCE.dimHead(), grid.mlpWidths()[m]);
            double full = measured.uniformMs()[grid.heads().length - 1][grid.widths().length - 1];
            assertThat(AT_1.blockMs(block)).isCloseTo(full + measured.mlpMs()[m] - fullMlp, within(1e-9));
        }
        LatencyTable.BatchLatency grouped = TABLE.batch(32);
        for (int h = 0; h < grid.extraHeads().length; h++) {
            for (int w = 0; w < grid.extraWidths().length; w++) {
                List<Integer> widths = new ArrayList<>(List.of(REFERENCE.dimHead()));
                widths.addAll(Collections.nCopies(grid.extraHeads()[h], grid.extraWidths()[w]));
                BlockStructure block = new BlockStructure(widths, REFERENCE.mlpDim());
                assertThat(AT_32.blockMs(block)).as("%s", block)
                        .isCloseTo(grouped.uniformMs()[0][grid.widths().length - 1] + grouped.extraGroupMs()[h][w], within(1e-9));
            }
        }
        LatencyCalibration calibration = new LatencyCalibration(REFERENCE, new LatencyCalibration.Options(List.of(1), 8, 4, 0, 1, 1));
        int paddedPoints = 0;
        int narrowPoints = 0;
        for (int h = 0; h < grid.heads().length; h++) {
            for (int w = 0; w < grid.widths().length; w++) {
                BlockStructure block = calibration.gridBlocks().paddedBlock(grid.heads()[h], grid.widths()[w]);
                if (block != null) {
                    assertThat(AT_1.blockMs(block)).as("%s", block).isCloseTo(measured.paddedMs()[h][w], within(1e-9));
                    paddedPoints++;
                }
                BlockStructure narrow = calibration.gridBlocks().paddedNarrowBlock(grid.heads()[h], grid.widths()[w]);
                if (narrow != null) {
                    assertThat(AT_1.blockMs(narrow)).as("%s", narrow).isCloseTo(measured.paddedNarrowMs()[h][w], within(1e-9));
                    narrowPoints++;
                }
            }
        }
        assertThat(paddedPoints).as("every head count from 2, every width").isEqualTo((grid.heads().length - 1) * grid.widths().length);
        assertThat(narrowPoints).as("every head count from 3, every width but the least; 2 heads from the third width")
                .isEqualTo((grid.heads().length - 2) * (grid.widths().length - 1) + grid.widths().length - 2);
    }

    /**
     * Padded (the table's execution at batch 1): every head runs at the widest width in one product,
     * the projections at the heads' own widths: between a block whose other heads are nearly as wide
     * and one whose others are of the least width, linearly in its channels.
     */
    @Test
    void aPaddedRaggedBlockCostsAsItsHeadsAtTheWidestWidthPlusThePaddingLessWhatItsNarrowerHeadsSave() {
        BlockStructure ragged = new BlockStructure(List.of(32, 24, 24, 16, 8), 192);
        BlockStructure uniform = BlockStructure.uniform(5, 32, 192);
        double fewerChannels = (4 * 32 + 24) - ragged.attentionWidth();
        assertThat(AT_1.blockMs(ragged)).isCloseTo(AT_1.blockMs(uniform) + TestLatencyTables.PAD_MS
                - TestLatencyTables.PADDED_MS_PER_CHANNEL * fewerChannels, within(1e-9));
        assertThat(AT_1.blockMs(new BlockStructure(List.of(32, 4, 4, 4, 4), 192))).as("the least width")
                .isCloseTo(AT_1.blockMs(uniform) + TestLatencyTables.PAD_MS - TestLatencyTables.PADDED_MS_PER_CHANNEL * (4 * 32 + 24 - 48),
                        within(1e-9));
        assertThat(AT_1.blockMs(new BlockStructure(List.of(32, 2, 2, 2, 2), 192))).as("below it: as the least")
                .isCloseTo(AT_1.blockMs(new BlockStructure(List.of(32, 4, 4, 4, 4), 192)), within(1e-9));
        assertThat(AT_32.blockMs(ragged)).as("grouped: each width its own group")
                .isCloseTo(AT_32.blockMs(BlockStructure.uniform(1, 32, 192)) + 32 * (3 * TestLatencyTables.GROUP_MS + 0.01 * (48 + 16 + 8) + 0.05 * 4),
                        within(1e-9));
    }

    @Test
    void interpolatesLinearlyBetweenGridPoints() {
        // Widths 8 and 16 are grid points; 12 lies halfway.
        double at8 = AT_1.blockMs(BlockStructure.uniform(3, 8, 384));
        double at16 = AT_1.blockMs(BlockStructure.uniform(3, 16, 384));
        assertThat(AT_1.blockMs(BlockStructure.uniform(3, 12, 384))).isCloseTo((at8 + at16) / 2, within(1e-9)).isNotEqualTo(at8);
        double at4 = AT_1.blockMs(BlockStructure.uniform(3, 4, 384));
        assertThat(at4).as("half a step is a grid point").isLessThan(at8);
        assertThat(AT_1.blockMs(BlockStructure.uniform(3, 3, 384))).as("below the grid: the smallest width's time").isEqualTo(at4);
    }

    @Test
    void modelIsFixedPartPlusBlocks() {
        ModelStructure structure = REFERENCE.initialStructure();
        double block = AT_1.blockMs(structure.block(0));
        assertThat(AT_1.modelMs(structure)).isCloseTo(0.2 + REFERENCE.depth() * block, within(1e-9));
        assertThat(LatencyModel.of(TABLE, 32).modelMs(structure)).isCloseTo(32 * AT_1.modelMs(structure), within(1e-6));
    }

    @Test
    void eachFurtherWidthCostsAGroupWhereHeadsRunGrouped() {
        BlockStructure oneWidth = BlockStructure.uniform(6, 24, 384);
        BlockStructure twoWidths = new BlockStructure(List.of(32, 24, 24, 24, 24, 24), 384);
        BlockStructure threeWidths = new BlockStructure(List.of(32, 24, 24, 24, 24, 16), 384);
        assertThat(AT_32.blockMs(twoWidths)).isGreaterThan(AT_32.blockMs(oneWidth));
        assertThat(AT_32.blockMs(threeWidths)).as("fewer channels, one more group").isGreaterThan(AT_32.blockMs(twoWidths));
    }

    @Test
    void narrowerNeverPredictsSlowerWithinOneLayout() {
        Random random = new Random(7);
        for (int trial = 0; trial < 200; trial++) {
            int heads = 1 + random.nextInt(6);
            int width = 1 + random.nextInt(32);
            int mlp = 1 + random.nextInt(384);
            double ms = AT_1.blockMs(BlockStructure.uniform(heads, width, mlp));
            if (width > 1) {
                assertThat(AT_1.blockMs(BlockStructure.uniform(heads, width - 1, mlp))).isLessThanOrEqualTo(ms);
            }
            if (heads > 1) {
                assertThat(AT_1.blockMs(BlockStructure.uniform(heads - 1, width, mlp))).isLessThanOrEqualTo(ms);
            }
            if (mlp > 1) {
                assertThat(AT_1.blockMs(BlockStructure.uniform(heads, width, mlp - 1))).isLessThanOrEqualTo(ms);
            }
        }
    }

    /** Here heads 13 wide run 0.6 ms slower than the line between widths 8 and 16 says, in a block of all six heads. */
    @Test
    void aWidthBetweenGridWidthsAddsWhatTheWidthProfileRunsAboveTheLineByItsShareOfTheHeads() {
        List<LatencyTable.BatchLatency> batches = new ArrayList<>();
        for (LatencyTable.BatchLatency batch : TABLE.batches()) {
            double[] profile = batch.widthMs().clone();
            profile[13 - 1] += 0.6;
            batches.add(new LatencyTable.BatchLatency(batch.batch(), batch.execution(), batch.modelMs(), batch.fixedMs(), batch.uniformMs(),
                    batch.extraGroupMs(), batch.mlpMs(), batch.paddedMs(), batch.paddedNarrowMs(), profile));
        }
        LatencyTable slowAt13 = new LatencyTable(TABLE.format(), TABLE.version(), TABLE.runtime(), TABLE.threads(), TABLE.machine(), TABLE.date(),
                TABLE.model(), TABLE.grid(), batches);
        LatencyModel at32 = LatencyModel.of(slowAt13, 32);
        LatencyModel at1 = LatencyModel.of(slowAt13, 1);

        for (BlockStructure block : List.of(BlockStructure.uniform(6, 16, 384), BlockStructure.uniform(6, 12, 384), BlockStructure.uniform(4, 14, 200))) {
            assertThat(at32.blockMs(block)).as("%s: no head 13 wide", block).isEqualTo(AT_32.blockMs(block));
        }
        assertThat(at32.blockMs(BlockStructure.uniform(6, 13, 384)) - AT_32.blockMs(BlockStructure.uniform(6, 13, 384))).isCloseTo(0.6, within(1e-9));
        assertThat(at32.blockMs(BlockStructure.uniform(3, 13, 100)) - AT_32.blockMs(BlockStructure.uniform(3, 13, 100))).isCloseTo(0.3, within(1e-9));
        BlockStructure grouped = new BlockStructure(List.of(16, 13, 13, 8), 384);
        assertThat(at32.blockMs(grouped) - AT_32.blockMs(grouped)).as("a narrower group of two").isCloseTo(0.2, within(1e-9));
        BlockStructure padded = new BlockStructure(List.of(13, 12, 4), 384);
        assertThat(at1.blockMs(padded) - AT_1.blockMs(padded)).as("padded: all three heads run 13 wide").isCloseTo(0.3, within(1e-9));
    }
}
