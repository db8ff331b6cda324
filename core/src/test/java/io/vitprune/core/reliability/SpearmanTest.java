package io.vitprune.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.InvalidInputException;
import org.junit.jupiter.api.Test;

class SpearmanTest {
    @Test
    void tiesShareTheMeanOfTheirRanks() {
        assertThat(Spearman.ranks(new double[] {3, 1, 2, 2})).containsExactly(4, 1, 2.5, 2.5);
        assertThat(Spearman.ranks(new double[] {5, 5, 5})).containsExactly(2, 2, 2);
        assertThat(Spearman.ranks(new double[] {0.5, -1, 0.5, 7, -1, 0.5})).containsExactly(4, 1.5, 4, 6, 1.5, 4);
    }

    @Test
    void correlatesTheRanksWithTies() {
        // By hand: ranks x (1, 2.5, 2.5, 4), y (1, 2, 3, 4), mean 2.5; sxy 4.5, sxx 4.5, syy 5: r = 4.5 / sqrt(22.5).
        assertThat(Spearman.correlation(new double[] {10, 20, 20, 30}, new double[] {1, 2, 3, 4})).isCloseTo(4.5 / Math.sqrt(22.5), within(1e-12));
        // Ranks x (1.5, 1.5, 3, 4), y (4, 3, 1.5, 1.5): sxy = -1 * 1.5 - 1 * 0.5 + 0.5 * -1 + 1.5 * -1 = -4, sxx = syy = 4.5.
        assertThat(Spearman.correlation(new double[] {1, 1, 2, 3}, new double[] {9, 8, 0, 0})).isCloseTo(-4 / 4.5, within(1e-12));
    }

    @Test
    void onlyTheOrderCounts() {
        assertThat(Spearman.correlation(new double[] {1, 2, 3, 4}, new double[] {1, 4, 9, 100})).isEqualTo(1);
        assertThat(Spearman.correlation(new double[] {1, 2, 3, 4}, new double[] {0, -1, -5, -6})).isCloseTo(-1, within(1e-12));
        assertThat(Spearman.correlation(new double[] {2, 2}, new double[] {7, 7})).as("both constant: the same ranking").isEqualTo(1);
    }

    @Test
    void isUndefinedWhenOneSideIsConstantAndTheOtherNot() {
        assertThat(Spearman.correlation(new double[] {1, 1, 1}, new double[] {1, 2, 3})).isNaN();
    }

    @Test
    void rejectsVectorsOfDifferentLengths() {
        assertThatThrownBy(() -> Spearman.correlation(new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(InvalidInputException.class).hasMessage("rank correlation of 2 and 1 values: expected as many of each");
    }
}
