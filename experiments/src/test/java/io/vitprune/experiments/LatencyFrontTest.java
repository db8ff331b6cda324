package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.vitprune.experiments.LatencyFront.Point;
import java.util.List;
import org.junit.jupiter.api.Test;

class LatencyFrontTest {
    private final LatencyFront front = new LatencyFront(List.of(new Point(10, 77), new Point(4, 50), new Point(6, 70), new Point(5, 45),
            new Point(8, 68), new Point(6, 60)));

    @Test
    void keepsOnlyPointsThatNoFasterPointBeatsFastestFirst() {
        // (5, 45) is slower and worse than (4, 50); (8, 68) and (6, 60) are beaten by (6, 70).
        assertThat(front.points()).containsExactly(new Point(4, 50), new Point(6, 70), new Point(10, 77));
    }

    @Test
    void interpolatesLinearlyBetweenNeighboursAndIsExactAtPoints() {
        assertThat(front.top1At(4).getAsDouble()).isEqualTo(50);
        assertThat(front.top1At(5).getAsDouble()).isCloseTo(60, within(1e-12));
        assertThat(front.top1At(6).getAsDouble()).isEqualTo(70);
        assertThat(front.top1At(9).getAsDouble()).isCloseTo(75.25, within(1e-12));
    }

    @Test
    void holdsTheSlowestPointAboveItAndHasNoValueBelowTheFastest() {
        assertThat(front.top1At(12).getAsDouble()).isEqualTo(77);
        assertThat(front.top1At(3.9)).isEmpty();
        assertThat(new LatencyFront(List.of()).top1At(5)).isEmpty();
    }
}
