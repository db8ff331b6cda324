package io.vitprune.core.select;

import static io.vitprune.core.select.Fixtures.TWO_BLOCKS;
import static io.vitprune.core.select.Fixtures.scores;
import static io.vitprune.core.select.Fixtures.selector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class GlobalSelectorTest {
    /** Block 1 scores ten times lower than block 0, in the same pattern. */
    private static final UnitScores SKEWED = scores(UnitKind.ATTENTION_CHANNEL,
            new float[] {5, 1, 7, 3, 8, 2, 6, 4}, new float[] {0.1f, 0.8f, 0.2f, 0.7f, 0.3f, 0.6f, 0.4f, 0.5f});

    @ParameterizedTest
    @CsvSource({"0.25, 12", "0.3, 11", "0.5, 8", "0.7, 5"})
    void removesTheTargetShareOfAllUnits(double ratio, int kept) {
        PruningPlan plan = selector("global").select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio));

        assertThat(keptChannels(plan)).isEqualTo(kept);
        assertThat(plan.removedFraction(UnitKind.ATTENTION_CHANNEL)).isEqualTo(1 - kept / 16.0);
    }

    @Test
    void skewedScoresGiveRaggedBlocksAndMinKeptPassesRemovalOn() {
        PruningPlan quarter = selector("global").select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.25));
        assertThat(quarter.block(0).keptAttentionChannels()).hasSize(8);
        assertThat(quarter.block(1).keptAttentionChannels()).containsExactly(1, 3, 5, 7);

        // 8 to remove: block 1 may lose only 7, so the lowest channel of block 0 goes too.
        PruningPlan half = selector("global").select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));
        assertThat(half.block(0).keptAttentionChannels()).containsExactly(0, 2, 3, 4, 5, 6, 7);
        assertThat(half.block(1).keptAttentionChannels()).containsExactly(1);

        PruningPlan minKept = selector("global", "min-kept", "3")
                .select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));
        assertThat(minKept.block(0).keptAttentionChannels()).containsExactly(0, 2, 4, 6, 7);
        assertThat(minKept.block(1).keptAttentionChannels()).containsExactly(1, 3, 5);
    }

    @ParameterizedTest
    @ValueSource(strings = {"max", "sum"})
    void normalizingPerBlockMakesScalesComparable(String normalize) {
        PruningPlan plan = selector("global", "normalize", normalize)
                .select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));

        assertThat(plan.block(0).keptAttentionChannels()).containsExactly(0, 2, 4, 6);
        assertThat(plan.block(1).keptAttentionChannels()).containsExactly(1, 3, 5, 7);
    }

    @Test
    void headAlignedRoundsEachBlockToWholeHeads() {
        // Unaligned: block 0 loses 1 channel and block 1 loses 7; aligned to 2 heads: 2 and 6.
        PruningPlan plan = selector("global", "head-aligned", "true")
                .select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));

        assertThat(plan.block(0).keptAttentionChannels()).containsExactly(0, 2, 3, 4, 6, 7);
        assertThat(plan.block(1).keptAttentionChannels()).containsExactly(1, 5);
        assertThat(plan.resultStructure().block(0).headWidths()).containsExactly(3, 3);
        assertThat(plan.resultStructure().block(1).headWidths()).containsExactly(1, 1);
    }

    @ParameterizedTest
    @ValueSource(doubles = {0.1, 0.25, 0.3, 0.5, 0.7})
    void headAlignedKeepsHeadsEqualAndTheTotalWithinHalfAHeadCount(double ratio) {
        PruningPlan plan = selector("global", "head-aligned", "true")
                .select(SKEWED, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio));

        for (int b = 0; b < 2; b++) {
            int[] perHead = plan.block(b).keptPerHead(TWO_BLOCKS.block(b));
            assertThat(perHead[0]).as("block %d", b).isEqualTo(perHead[1]).isPositive();
        }
        int goal = 16 - (int) Math.round(ratio * 16);
        assertThat(Math.abs(keptChannels(plan) - goal)).isLessThanOrEqualTo(1);
    }

    @Test
    void headsAreRankedAcrossBlocksAndEveryBlockKeepsOne() {
        UnitScores heads = scores(UnitKind.ATTENTION_HEAD, new float[] {2, 1}, new float[] {0.5f, 3});

        PruningPlan half = selector("global").select(heads, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_HEAD, 0.5));
        assertThat(half.block(0).keptAttentionChannels()).containsExactly(0, 1, 2, 3);
        assertThat(half.block(1).keptAttentionChannels()).containsExactly(4, 5, 6, 7);

        // Three heads should go, but each block must keep one: only two can.
        PruningPlan most = selector("global").select(heads, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_HEAD, 0.75));
        assertThat(most).isEqualTo(half);
    }

    @Test
    void mlpTargetsKeepEveryAttentionChannel() {
        UnitScores mlp = scores(UnitKind.MLP_UNIT, new float[] {1, 2, 3, 4, 5, 6}, new float[] {7, 8, 9, 10, 11, 12});

        PruningPlan plan = selector("global").select(mlp, TWO_BLOCKS, new PruningTarget(UnitKind.MLP_UNIT, 0.5));

        assertThat(plan.block(0).keptMlpUnits()).containsExactly(5);
        assertThat(plan.block(1).keptMlpUnits()).containsExactly(1, 2, 3, 4, 5);
        assertThat(plan.block(0).keptAttentionChannels()).hasSize(8);
        assertThat(plan.block(1).keptAttentionChannels()).hasSize(8);
    }

    @Test
    void tiesRemoveLaterBlocksAndHigherIndicesFirst() {
        UnitScores equal = scores(UnitKind.ATTENTION_CHANNEL, new float[8], new float[8]);

        PruningPlan plan = selector("global").select(equal, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.25));

        assertThat(plan.block(0).keptAttentionChannels()).hasSize(8);
        assertThat(plan.block(1).keptAttentionChannels()).containsExactly(0, 1, 2, 3);
    }

    @Test
    void rejectsAnUnknownNormalization() {
        assertThatThrownBy(() -> selector("global", "normalize", "mean"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("setting 'normalize' = 'mean' of 'global': expected one of none, max, sum");
    }

    private static int keptChannels(PruningPlan plan) {
        return plan.block(0).keptAttentionChannels().length + plan.block(1).keptAttentionChannels().length;
    }
}
