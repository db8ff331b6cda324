package io.vitprune.strategies.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestModels;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Scores checked against norms computed by hand, in Java, from the same weights. */
class WeightNormScorerTest {
    private static NDManager manager;
    private static VisionTransformer model;

    @BeforeAll
    static void tinyModel() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(7, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void attentionChannelsScoreTheirOutputColumn() {
        for (int b = 0; b < 2; b++) {
            float[][] out = matrix(b, ModelPart.ATTENTION_OUT_WEIGHT);
            assertThat(score("weight-l1", UnitKind.ATTENTION_CHANNEL).block(b)).containsExactly(columnNorms(out, 1), within(1e-4f));
            assertThat(score("weight-l2", UnitKind.ATTENTION_CHANNEL).block(b)).containsExactly(columnNorms(out, 2), within(1e-4f));
        }
    }

    @Test
    void includeQkvAddsTheNormsOfTheQueryKeyAndValueRows() {
        float[][] out = matrix(1, ModelPart.ATTENTION_OUT_WEIGHT);
        float[][] qkv = matrix(1, ModelPart.QKV_WEIGHT);
        int inner = out[0].length;
        float[] expected = columnNorms(out, 2);
        for (int j = 0; j < inner; j++) {
            expected[j] += norm(qkv[j], 2) + norm(qkv[inner + j], 2) + norm(qkv[2 * inner + j], 2);
        }

        UnitScores scores = score("weight-l2", UnitKind.ATTENTION_CHANNEL, "include-qkv", "true");

        assertThat(scores.block(1)).containsExactly(expected, within(1e-4f));
    }

    @Test
    void headsScoreTheSumOfTheirChannels() {
        float[] channels = score("weight-l1", UnitKind.ATTENTION_CHANNEL).block(0);
        float[] heads = score("weight-l1", UnitKind.ATTENTION_HEAD).block(0);

        assertThat(heads).hasSize(4);
        for (int head = 0; head < 4; head++) {
            float sum = 0;
            for (int c = 4 * head; c < 4 * head + 4; c++) {
                sum += channels[c];
            }
            assertThat(heads[head]).isCloseTo(sum, within(1e-4f));
        }
    }

    @Test
    void mlpUnitsScoreTheirOutputColumnAndOptionallyTheirInputRow() {
        float[][] out = matrix(0, ModelPart.MLP_OUT_WEIGHT);
        float[][] in = matrix(0, ModelPart.MLP_IN_WEIGHT);
        float[] expected = columnNorms(out, 1);
        assertThat(score("weight-l1", UnitKind.MLP_UNIT).block(0)).hasSize(24).containsExactly(expected, within(1e-4f));

        for (int j = 0; j < expected.length; j++) {
            expected[j] += norm(in[j], 1);
        }
        assertThat(score("weight-l1", UnitKind.MLP_UNIT, "include-input", "true").block(0)).containsExactly(expected, within(1e-4f));
    }

    @Test
    void rejectsTokensAndUnknownSettings() {
        var scorer = factory("weight-l1").create(StrategySettings.EMPTY);
        ScoringContext context = ScoringContext.dataFree(manager);

        assertThatThrownBy(() -> scorer.score(model, UnitKind.TOKEN, context))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("scorer 'weight-l1' does not score token");
        assertThatThrownBy(() -> factory("weight-l2").create(StrategySettings.of("include-kqv", "true")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("setting 'include-kqv' of 'weight-l2': unknown");
    }

    @Test
    void scoringLeavesTheWeightsInPlace() {
        score("weight-l2", UnitKind.ATTENTION_CHANNEL, "include-qkv", "true");

        assertThat(model.weight(0, ModelPart.QKV_WEIGHT).isReleased()).isFalse();
        assertThat(model.weight(0, ModelPart.QKV_WEIGHT).getManager()).isSameAs(model.manager());
    }

    /** Through the registry, the host: it checks settings and kinds before the plug-in runs. */
    private static ScorerFactory factory(String name) {
        return StrategyRegistry.load().scorer(name);
    }

    private static UnitScores score(String scorer, UnitKind kind, String... settings) {
        return factory(scorer).create(StrategySettings.of(settings)).score(model, kind, ScoringContext.dataFree(manager));
    }

    /** A block weight as rows (out) of columns (in), as DJL stores Linear weights. */
    private static float[][] matrix(int block, ModelPart part) {
        var weight = model.weight(block, part);
        int rows = (int) weight.getShape().get(0);
        int columns = (int) weight.getShape().get(1);
        float[] flat = weight.toFloatArray();
        float[][] matrix = new float[rows][columns];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * columns, matrix[r], 0, columns);
        }
        return matrix;
    }

    private static float[] columnNorms(float[][] matrix, int p) {
        float[] norms = new float[matrix[0].length];
        for (int j = 0; j < norms.length; j++) {
            float[] column = new float[matrix.length];
            for (int i = 0; i < matrix.length; i++) {
                column[i] = matrix[i][j];
            }
            norms[j] = norm(column, p);
        }
        return norms;
    }

    private static float norm(float[] vector, int p) {
        double sum = 0;
        for (float value : vector) {
            sum += p == 1 ? Math.abs(value) : (double) value * value;
        }
        return (float) (p == 1 ? sum : Math.sqrt(sum));
    }
}
