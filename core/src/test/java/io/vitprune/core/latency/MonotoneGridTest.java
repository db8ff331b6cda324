package io.vitprune.core.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.BlockStructure;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MonotoneGridTest {
    /** Blocks of 1-2 heads (rows) of widths 8, 16, 24 (columns). */
    private static final BlockStructure[][] BLOCKS = {
        {BlockStructure.uniform(1, 8, 64), BlockStructure.uniform(1, 16, 64), BlockStructure.uniform(1, 24, 64)},
        {BlockStructure.uniform(2, 8, 64), BlockStructure.uniform(2, 16, 64), BlockStructure.uniform(2, 24, 64)}};

    @Test
    void pointsOfNoBlockTakeWhatTheFasterLargerNeighbourTook() {
        double[][] noisy = {{1, 9, 2}, {0.5, 4, 3}};
        assertThat(MonotoneGrid.settle(noisy, new BlockStructure[2][3], (smaller, larger) -> {
            throw new AssertionError("no block to time");
        })).isDeepEqualTo(new double[][] {{0.5, 2, 2}, {0.5, 3, 3}});
    }

    /** Here a block's true time is its channels; the grid came out so, but for two points slowed by a spell. */
    @Test
    void aPointNoFasterThanALargerOneTakesThePairsRatioToTheFasterOfItsLargerNeighbours() {
        double[][] measured = {{8, 40, 24}, {16, 32, 48}};
        List<String> timed = new ArrayList<>();
        double[][] settled = MonotoneGrid.settle(measured, BLOCKS, (smaller, larger) -> {
            timed.add(smaller.attentionWidth() + " against " + larger.attentionWidth());
            return (double) smaller.attentionWidth() / larger.attentionWidth();
        });
        assertThat(timed).as("only the points no faster than a larger one, each against the faster of its two").containsExactly("16 against 24");
        assertThat(settled[0][1]).isCloseTo(16, within(1e-12));
        assertThat(settled).as("the others as measured").isDeepEqualTo(new double[][] {{8, settled[0][1], 24}, {16, 32, 48}});

        double[][] bothSlow = {{8, 40, 50}, {16, 32, 48}};
        double[][] chained = MonotoneGrid.settle(bothSlow, BLOCKS, (smaller, larger) -> (double) smaller.attentionWidth() / larger.attentionWidth());
        assertThat(chained[0][2]).as("24 channels against 48").isCloseTo(24, within(1e-12));
        assertThat(chained[0][1]).as("then 16 against the settled 24").isCloseTo(16, within(1e-12));
    }

    @Test
    void aBlockTrulyAsSlowAsALargerOneKeepsTheLargerOnesTime() {
        double[][] measured = {{8, 30, 24}, {16, 32, 48}};
        assertThat(MonotoneGrid.settle(measured, BLOCKS, (smaller, larger) -> 1.2)[0][1]).isEqualTo(24);
    }
}
