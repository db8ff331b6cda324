package io.vitprune.strategies.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestModels;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Gradient estimates against finite differences of the mask, computed through the model's stages. */
class GradientAblationTest {
    private static final RandomScoringData DATA = RandomScoringData.of(12, 32, 3);
    private static final double STEP = 1e-2;

    private static NDManager manager;
    private static VisionTransformer model;

    @BeforeAll
    static void tinyModel() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(11, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(value = UnitKind.class, names = {"ATTENTION_CHANNEL", "ATTENTION_HEAD", "MLP_UNIT"})
    void firstOrderIsTheSlopeOfTheLossAlongTheMask(UnitKind kind) {
        AblationLosses taylor = engine(LossEstimate.TAYLOR, 1).measure(model, kind, DATA, 5, ProgressListener.NONE);

        double unmasked = meanCrossEntropy(1, -1, kind, 0, 1);
        for (int b = 0; b < model.structure().depth(); b++) {
            for (int u = 0; u < model.structure().block(b).units(kind); u++) {
                // Masking moves the unit's mask from 1 towards 0: the change is minus the derivative.
                double slope = (meanCrossEntropy(1, b, kind, u, 1 + STEP) - meanCrossEntropy(1, b, kind, u, 1 - STEP)) / (2 * STEP);
                assertThat(taylor.crossEntropy(b)[u] - unmasked).as("block %d unit %d", b, u).isCloseTo(-slope, within(2e-4));
                assertThat(taylor.kl(b)[u]).isZero();
            }
        }
        assertThat(taylor.teacherCrossEntropy(0)[0]).isCloseTo(ReferenceAblation.teacherEntropy(model, DATA, 1), within(1e-9));
    }

    @ParameterizedTest
    @ValueSource(doubles = {1, 2.5})
    void fisherAddsHalfTheSquaredSlopeOfEachImage(double temperature) {
        RandomScoringData one = DATA.every(12, 5);
        AblationLosses fisher = engine(LossEstimate.FISHER, temperature).measure(model, UnitKind.MLP_UNIT, one, 1, ProgressListener.NONE);

        double unmasked = ReferenceAblation.unmaskedCrossEntropy(model, one);
        double entropy = ReferenceAblation.teacherEntropy(model, one, temperature);
        for (int u = 0; u < 6; u++) {
            double a = -slope(one, 1, u);
            double b = -slope(one, temperature, u);
            assertThat(fisher.crossEntropy(1)[u]).as("unit %d", u).isCloseTo(unmasked + a + a * a / 2, within(2e-4));
            assertThat(fisher.kl(1)[u]).as("unit %d", u).isCloseTo(b * b / 2, within(2e-5 + 1e-2 * b * b));
            assertThat(fisher.teacherCrossEntropy(1)[u]).isCloseTo(entropy + fisher.kl(1)[u], within(1e-7));
        }
    }

    @Test
    void aHeadIsEstimatedAsItsChannelsTogether() {
        AblationLosses heads = engine(LossEstimate.FISHER, 1).measure(model, UnitKind.ATTENTION_HEAD, DATA, 12, ProgressListener.NONE);
        AblationLosses channels = engine(LossEstimate.TAYLOR, 1).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE);
        AblationLosses headsFirstOrder = engine(LossEstimate.TAYLOR, 1).measure(model, UnitKind.ATTENTION_HEAD, DATA, 12, ProgressListener.NONE);

        double unmasked = ReferenceAblation.unmaskedCrossEntropy(model, DATA);
        int[] offsets = model.structure().block(0).headOffsets();
        for (int h = 0; h < offsets.length - 1; h++) {
            double channelChanges = Arrays.stream(channels.crossEntropy(0), offsets[h], offsets[h + 1]).map(ce -> ce - unmasked).sum();
            assertThat(headsFirstOrder.crossEntropy(0)[h] - unmasked).isCloseTo(channelChanges, within(1e-6));
        }
        assertThat(Arrays.stream(heads.kl(0)).min().orElseThrow()).isPositive();
    }

    @ParameterizedTest
    @EnumSource(value = LossEstimate.class, names = {"TAYLOR", "FISHER"})
    void aUnitTheModelNeverReadsIsEstimatedToCostNothing(LossEstimate estimate) {
        try (VisionTransformer edited = TestModels.tiny(11, manager)) {
            edited.weight(0, ModelPart.MLP_OUT_WEIGHT).set(new NDIndex(":, 3"), 0f);

            AblationLosses losses = engine(estimate, 1).measure(edited, UnitKind.MLP_UNIT, DATA, 5, ProgressListener.NONE);

            assertThat(losses.kl(0)[3]).isZero();
            assertThat(losses.crossEntropy(0)[3]).isCloseTo(ReferenceAblation.unmaskedCrossEntropy(edited, DATA), within(1e-6));
            assertThat(Math.abs(losses.crossEntropy(0)[2] - losses.crossEntropy(0)[3])).isGreaterThan(1e-6);
        }
    }

    @Test
    void batchingDoesNotChangeTheEstimate() {
        AblationLosses whole = engine(LossEstimate.FISHER, 1).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE);
        AblationLosses batched = engine(LossEstimate.FISHER, 1).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 5, ProgressListener.NONE);

        for (int b = 0; b < whole.blocks(); b++) {
            assertThat(batched.kl(b)).containsExactly(whole.kl(b), within(1e-7));
            assertThat(batched.crossEntropy(b)).containsExactly(whole.crossEntropy(b), within(1e-6));
        }
    }

    @Test
    void leavesNoArraysOrGradientsBehind() {
        int before = model.manager().getManagedArrays().size();

        engine(LossEstimate.FISHER, 2).measure(model, UnitKind.ATTENTION_HEAD, DATA, 4, ProgressListener.NONE);

        assertThat(model.manager().getManagedArrays()).hasSize(before);
        assertThat(model.weight(0, ModelPart.QKV_WEIGHT).hasGradient()).isFalse();
    }

    @Test
    void isChosenBySettingAndNamedWhenWrong() {
        assertThat(AblationEngine.fromSettings(StrategySettings.of("estimate", "fisher")).estimate()).isEqualTo(LossEstimate.FISHER);
        assertThat(AblationEngine.fromSettings(StrategySettings.EMPTY).estimate()).isEqualTo(LossEstimate.EXACT);
        assertThatThrownBy(() -> StrategyRegistry.load().scorer("kd-importance").create(StrategySettings.of("estimate", "hessian")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("estimate")
                .hasMessageContaining("hessian");
    }

    private static AblationEngine engine(LossEstimate estimate, double temperature) {
        return new AblationEngine(temperature, AblationEngine.AUTO, estimate);
    }

    /** Derivative of image {@code data}'s label cross-entropy at {@code temperature} along MLP unit {@code unit}'s mask of block 1. */
    private static double slope(RandomScoringData data, double temperature, int unit) {
        return (crossEntropy(data, temperature, 1, UnitKind.MLP_UNIT, unit, 1 + STEP)
                - crossEntropy(data, temperature, 1, UnitKind.MLP_UNIT, unit, 1 - STEP)) / (2 * STEP);
    }

    private static double meanCrossEntropy(double temperature, int block, UnitKind kind, int unit, double maskValue) {
        return crossEntropy(DATA, temperature, block, kind, unit, maskValue);
    }

    /** Mean {@code -log softmax(z / T)[label]} with unit {@code unit} of {@code block} (none if negative) masked by {@code maskValue}. */
    private static double crossEntropy(RandomScoringData data, double temperature, int block, UnitKind kind, int unit, double maskValue) {
        try (NDManager scope = model.newScope()) {
            NDList batch = data.batch(scope, 0, data.size());
            NDArray x = model.embed(batch.get(0));
            for (int b = 0; b < model.structure().depth(); b++) {
                NDArray mask = b == block ? scope.create(mask(model.structure().block(b), kind, unit, (float) maskValue)) : null;
                x = model.block(b, x, kind == UnitKind.MLP_UNIT ? null : mask, kind == UnitKind.MLP_UNIT ? mask : null);
            }
            float[] logits = model.classify(x).toFloatArray();
            long[] labels = batch.get(1).toLongArray();
            int classes = logits.length / labels.length;
            double sum = 0;
            for (int i = 0; i < labels.length; i++) {
                double max = Double.NEGATIVE_INFINITY;
                for (int c = 0; c < classes; c++) {
                    max = Math.max(max, logits[i * classes + c] / temperature);
                }
                double total = 0;
                for (int c = 0; c < classes; c++) {
                    total += Math.exp(logits[i * classes + c] / temperature - max);
                }
                sum -= logits[i * classes + (int) labels[i]] / temperature - max - Math.log(total);
            }
            return sum / labels.length;
        }
    }

    private static float[] mask(BlockStructure block, UnitKind kind, int unit, float value) {
        float[] mask = new float[kind == UnitKind.MLP_UNIT ? block.mlpWidth() : block.attentionWidth()];
        Arrays.fill(mask, 1f);
        if (kind == UnitKind.ATTENTION_HEAD) {
            Arrays.fill(mask, block.headOffsets()[unit], block.headOffsets()[unit + 1], value);
        } else {
            mask[unit] = value;
        }
        return mask;
    }
}
