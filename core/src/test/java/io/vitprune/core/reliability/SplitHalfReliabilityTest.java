package io.vitprune.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.UnitKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class SplitHalfReliabilityTest {
    @Test
    void summarisesInOneLine() {
        SplitHalfReliability reliability = new SplitHalfReliability(UnitKind.ATTENTION_CHANNEL, 128, 0.8234, List.of(0.72, 0.9, Double.NaN));

        assertThat(reliability.isLow()).isFalse();
        assertThat(reliability.meanPerBlock()).isCloseTo(0.81, within(1e-12));
        assertThat(reliability).hasToString("split-half rank correlation of attention-channel scores (2 x 128 images): 0.82 over all blocks, "
                + "per block 0.72 .. 0.90 (mean 0.81)");
    }

    @Test
    void isLowWhenEitherFigureIsLowOrUndefined() {
        SplitHalfReliability noiseWithinBlocks = new SplitHalfReliability(UnitKind.MLP_UNIT, 50, 0.9, List.of(0.2, 0.3));

        assertThat(noiseWithinBlocks.isLow()).as("blocks differ, their units' ranking is noise").isTrue();
        assertThat(noiseWithinBlocks.summary()).isEqualTo("split-half rank correlation of mlp-unit scores (2 x 50 images): 0.90 over all blocks, "
                + "per block 0.20 .. 0.30 (mean 0.25); LOW (below 0.5): the ranking is largely sampling noise");
        assertThat(new SplitHalfReliability(UnitKind.MLP_UNIT, 50, 0.49, List.of(0.9)).isLow()).isTrue();
        assertThat(new SplitHalfReliability(UnitKind.MLP_UNIT, 50, Double.NaN, List.of(0.9)).isLow()).isTrue();
        assertThat(new SplitHalfReliability(UnitKind.MLP_UNIT, 50, 0.5, List.of(0.5)).isLow()).isFalse();
    }
}
