package io.vitprune.core.select;

import static io.vitprune.core.select.Fixtures.TWO_BLOCKS;
import static io.vitprune.core.select.Fixtures.rising;
import static io.vitprune.core.select.Fixtures.scores;
import static io.vitprune.core.select.Fixtures.selector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.StrategySettings;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UniformSelectorTest {
    private static final UnitScores CHANNELS = scores(UnitKind.ATTENTION_CHANNEL,
            new float[] {5, 1, 7, 3, 8, 2, 6, 4}, new float[] {0.1f, 0.8f, 0.2f, 0.7f, 0.3f, 0.6f, 0.4f, 0.5f});

    @ParameterizedTest
    @CsvSource({"0.25, 6", "0.3, 6", "0.3125, 5", "0.5, 4", "0.7, 2", "0.99, 1"})
    void everyBlockKeepsItsShareOfItsHighestScoredChannels(double ratio, int kept) {
        PruningPlan plan = selector("uniform").select(CHANNELS, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio));

        for (int b = 0; b < 2; b++) {
            float[] blockScores = CHANNELS.block(b);
            int[] channels = plan.block(b).keptAttentionChannels();
            assertThat(channels).hasSize(kept);
            float lowestKept = Float.MAX_VALUE;
            for (int channel : channels) {
                lowestKept = Math.min(lowestKept, blockScores[channel]);
            }
            int higherOrEqual = 0;
            for (float score : blockScores) {
                higherOrEqual += score >= lowestKept ? 1 : 0;
            }
            assertThat(higherOrEqual).as("block %d keeps its %d best channels", b, kept).isEqualTo(kept);
        }
    }

    @Test
    void removesTheLowestScoredAndKeepsOtherKinds() {
        PruningPlan plan = selector("uniform").select(CHANNELS, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));

        assertThat(plan.block(0).keptAttentionChannels()).containsExactly(0, 2, 4, 6);
        assertThat(plan.block(1).keptAttentionChannels()).containsExactly(1, 3, 5, 7);
        assertThat(plan.block(0).keptMlpUnits()).containsExactly(0, 1, 2, 3, 4, 5);
        assertThat(plan.block(1).keptMlpUnits()).containsExactly(0, 1, 2, 3, 4, 5);
    }

    @Test
    void tiesKeepLowerIndices() {
        UnitScores equal = scores(UnitKind.MLP_UNIT, new float[6], new float[6]);

        PruningPlan plan = selector("uniform").select(equal, TWO_BLOCKS, new PruningTarget(UnitKind.MLP_UNIT, 0.5));

        assertThat(plan.block(0).keptMlpUnits()).containsExactly(0, 1, 2);
        assertThat(plan.block(1).keptAttentionChannels()).hasSize(8);
    }

    @Test
    void minKeptIsRespected() {
        PruningPlan plan = selector("uniform", "min-kept", "3")
                .select(CHANNELS, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.9));

        assertThat(plan.block(0).keptAttentionChannels()).containsExactly(2, 4, 6);
        assertThat(plan.block(1).keptAttentionChannels()).hasSize(3);
    }

    @Test
    void headAlignedRemovesTheSameNumberFromEveryHead() {
        // Unaligned, block 0 would lose all of head 0 (channels 0-3 score lowest).
        UnitScores skewed = scores(UnitKind.ATTENTION_CHANNEL, rising(8, 0), CHANNELS.block(0));

        PruningPlan plan = selector("uniform", "head-aligned", "true")
                .select(skewed, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));

        assertThat(plan.block(0).keptAttentionChannels()).containsExactly(2, 3, 6, 7);
        assertThat(plan.block(1).keptAttentionChannels()).containsExactly(0, 2, 4, 6);
        for (int b = 0; b < 2; b++) {
            assertThat(plan.block(b).keptPerHead(TWO_BLOCKS.block(b))).containsExactly(2, 2);
        }
        assertThat(plan.resultStructure().block(0).headWidths()).containsExactly(2, 2);
    }

    @Test
    void headAlignedNeverEmptiesAHead() {
        PruningPlan plan = selector("uniform", "head-aligned", "true")
                .select(CHANNELS, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.95));

        assertThat(plan.block(0).keptPerHead(TWO_BLOCKS.block(0))).containsExactly(1, 1);
    }

    @Test
    void headsGoWithAllTheirChannels() {
        UnitScores heads = scores(UnitKind.ATTENTION_HEAD, new float[] {2, 1}, new float[] {1, 2});

        PruningPlan plan = selector("uniform").select(heads, TWO_BLOCKS, new PruningTarget(UnitKind.ATTENTION_HEAD, 0.5));

        assertThat(plan.block(0).keptAttentionChannels()).containsExactly(0, 1, 2, 3);
        assertThat(plan.block(1).keptAttentionChannels()).containsExactly(4, 5, 6, 7);
        assertThat(plan.block(0).keptMlpUnits()).hasSize(6);
    }

    @Test
    void rejectsScoresThatDoNotFitTheTarget() {
        var uniform = selector("uniform");
        var target = new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5);

        assertThatThrownBy(() -> uniform.select(scores(UnitKind.MLP_UNIT, rising(6, 0), rising(6, 0)), TWO_BLOCKS, target))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("mlp-unit scores for a target of attention-channels");
        assertThatThrownBy(() -> uniform.select(scores(UnitKind.ATTENTION_CHANNEL, rising(8, 0)), TWO_BLOCKS, target))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("scores for 1 blocks: expected 2");
        assertThatThrownBy(() -> uniform.select(CHANNELS, TWO_BLOCKS, new PruningTarget(UnitKind.TOKEN, 0.5)))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected attention-channel, attention-head or mlp-unit");
    }

    @Test
    void rejectsUnknownAndInvalidSettings() {
        var factory = StrategyRegistry.load().selector("uniform");

        assertThatThrownBy(() -> factory.create(StrategySettings.of("normalise", "max")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("setting 'normalise' of 'uniform': unknown");
        assertThatThrownBy(() -> factory.create(StrategySettings.of("min-kept", "0")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected an integer >= 1");
        assertThatThrownBy(() -> factory.create(StrategySettings.of("head-aligned", "yes")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("expected true or false");
    }
}
