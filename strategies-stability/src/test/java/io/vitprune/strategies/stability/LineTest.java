package io.vitprune.strategies.stability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.api.InvalidInputException;
import org.junit.jupiter.api.Test;

class LineTest {
    @Test
    void pointsOnALineGiveThatLine() {
        Line line = Line.fit(new double[] {-1, 0.5, 2, 7}, new double[] {-2.5, 2, 6.5, 21.5});

        assertThat(line.slope()).isCloseTo(3, within(1e-12));
        assertThat(line.intercept()).isCloseTo(0.5, within(1e-12));
        assertThat(line.at(10)).isCloseTo(30.5, within(1e-12));
    }

    @Test
    void fitsByLeastSquares() {
        // By hand: mean x 1, mean y 2, sxy = (-1)(-2) + 0 + (1)(3) = 5, sxx = 2: slope 2.5, intercept 2 - 2.5.
        Line line = Line.fit(new double[] {0, 1, 2}, new double[] {0, 1, 5});

        assertThat(line.slope()).isCloseTo(2.5, within(1e-12));
        assertThat(line.intercept()).isCloseTo(-0.5, within(1e-12));
    }

    @Test
    void constantXGivesTheFlatLineThroughTheMeanOfY() {
        // 0.1 has no exact binary mean of three copies: the slope must still be exactly 0.
        Line line = Line.fit(new double[] {0.1, 0.1, 0.1}, new double[] {1, 2, 6});

        assertThat(line.slope()).isZero();
        assertThat(line.intercept()).isCloseTo(3, within(1e-12));
        assertThat(Line.fit(new double[] {4}, new double[] {7})).isEqualTo(new Line(7, 0));
    }

    @Test
    void rejectsMismatchedOrEmptyInput() {
        assertThatThrownBy(() -> Line.fit(new double[] {1, 2}, new double[] {1}))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("2 x values and 1 y values");
        assertThatThrownBy(() -> Line.fit(new double[0], new double[0]))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("at least one");
    }
}
