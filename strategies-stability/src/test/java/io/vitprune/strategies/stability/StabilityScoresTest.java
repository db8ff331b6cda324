package io.vitprune.strategies.stability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Stability scores from hand-made losses, checked against fits done by hand. */
class StabilityScoresTest {
    @Test
    void unitsOnTheFittedLineScoreTheirCrossEntropy() {
        AblationLosses losses = losses(List.of(new double[] {1, 2, 4}, new double[] {0.5, 3}), List.of(new double[] {3.2, 6.2, 12.2}, new double[] {1.7, 9.2}));

        for (Scope scope : Scope.values()) {
            UnitScores scores = StabilityScores.of(losses, scope, CeTarget.LABELS);
            assertThat(scores.block(0)).containsExactly(new float[] {1, 2, 4}, within(1e-6f));
            assertThat(scores.block(1)).containsExactly(new float[] {0.5f, 3}, within(1e-6f));
        }
    }

    @Test
    void anOutlierLosesItsResidual() {
        // KL = 2 CE except unit 2 (9 instead of 6). By hand: slope 20 / 10 = 2, intercept 6.6 - 2 * 3 = 0.6,
        // residuals 0.6, 0.6, 2.4, 0.6, 0.6.
        AblationLosses losses = losses(List.of(new double[] {1, 2, 3, 4, 5}), List.of(new double[] {2, 4, 9, 8, 10}));

        float[] scores = StabilityScores.of(losses, Scope.BLOCK, CeTarget.LABELS).block(0);

        assertThat(scores).containsExactly(new float[] {0.4f, 1.4f, 0.6f, 3.4f, 4.4f}, within(1e-6f));
        assertThat(scores[2]).as("the unstable unit ranks below a unit with a lower cross-entropy").isLessThan(scores[1]);
    }

    @Test
    void blockScopeFitsEachBlockAndGlobalScopeFitsThemAll() {
        // Block 0 lies on KL = CE, block 1 on KL = 2 + 3 CE. Together, by hand: mean x 1.5, mean y 4,
        // sxy 2, sxx 1: KL = 1 + 2 CE, residuals 2 at CE 1 and 3 at CE 2.
        AblationLosses losses = losses(List.of(new double[] {1, 2}, new double[] {1, 2}), List.of(new double[] {1, 2}, new double[] {5, 8}));

        UnitScores perBlock = StabilityScores.of(losses, Scope.BLOCK, CeTarget.LABELS);
        UnitScores global = StabilityScores.of(losses, Scope.GLOBAL, CeTarget.LABELS);

        assertThat(perBlock.block(0)).containsExactly(new float[] {1, 2}, within(1e-6f));
        assertThat(perBlock.block(1)).containsExactly(new float[] {1, 2}, within(1e-6f));
        assertThat(global.block(0)).containsExactly(new float[] {-1, -1}, within(1e-6f));
        assertThat(global.block(1)).containsExactly(new float[] {-1, -1}, within(1e-6f));
    }

    @Test
    void aBlockWhoseUnitsShareOneCrossEntropyIsFittedByTheMeanKl() {
        AblationLosses losses = losses(List.of(new double[] {2, 2, 2}), List.of(new double[] {1, 2, 3}));

        assertThat(StabilityScores.of(losses, Scope.BLOCK, CeTarget.LABELS).block(0)).containsExactly(new float[] {1, 2, 1}, within(1e-6f));
    }

    @Test
    void withTeacherTargetsTheScoreRanksAsTheKl() {
        // Teacher cross-entropy = H + KL with H = 2.3 for every unit; the label cross-entropy is noise that ranks otherwise.
        Random random = new Random(3);
        List<double[]> kl = List.of(random.doubles(40, 0, 0.5).toArray(), random.doubles(30, 0, 2).toArray());
        List<double[]> labels = List.of(random.doubles(40, 1, 3).toArray(), random.doubles(30, 1, 3).toArray());
        List<double[]> teacher = kl.stream().map(block -> Arrays.stream(block).map(d -> 2.3 + d).toArray()).toList();
        AblationLosses losses = new AblationLosses(UnitKind.ATTENTION_CHANNEL, 100, labels, kl, teacher);

        for (Scope scope : Scope.values()) {
            UnitScores scores = StabilityScores.of(losses, scope, CeTarget.TEACHER);
            UnitScores byLabels = StabilityScores.of(losses, scope, CeTarget.LABELS);
            for (int b = 0; b < 2; b++) {
                assertThat(order(scores.block(b))).as("%s scope, block %d", scope, b).containsExactly(order(kl.get(b)));
                assertThat(order(byLabels.block(b))).as("label targets rank otherwise").isNotEqualTo(order(kl.get(b)));
            }
        }
        assertThat(order(concatenate(StabilityScores.of(losses, Scope.GLOBAL, CeTarget.TEACHER))))
                .as("one fit over all blocks ranks the blocks' units together as the KL").containsExactly(order(concatenate(kl)));
    }

    /** Unit indices, lowest value first. */
    static int[] order(double[] values) {
        return IntStream.range(0, values.length).boxed().sorted(Comparator.comparingDouble(i -> values[i])).mapToInt(Integer::intValue).toArray();
    }

    static int[] order(float[] values) {
        return order(widen(values));
    }

    private static double[] concatenate(List<double[]> blocks) {
        return blocks.stream().flatMapToDouble(Arrays::stream).toArray();
    }

    private static double[] concatenate(UnitScores scores) {
        return concatenate(IntStream.range(0, scores.blocks()).mapToObj(b -> widen(scores.block(b))).toList());
    }

    private static double[] widen(float[] values) {
        return IntStream.range(0, values.length).mapToDouble(i -> values[i]).toArray();
    }

    /** Label cross-entropy as given; teacher cross-entropy = 10 + KL, which these tests do not read. */
    private static AblationLosses losses(List<double[]> crossEntropy, List<double[]> kl) {
        List<double[]> teacher = kl.stream().map(block -> Arrays.stream(block).map(d -> 10 + d).toArray()).toList();
        return new AblationLosses(UnitKind.ATTENTION_CHANNEL, 100, crossEntropy, kl, teacher);
    }
}
