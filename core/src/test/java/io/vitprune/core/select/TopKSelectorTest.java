package io.vitprune.core.select;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenSelector;
import java.util.List;
import org.junit.jupiter.api.Test;

class TopKSelectorTest {
    final TokenSelector selector = new TopKSelector();

    @Test
    void keepsTheHighestScoresOfEachImageInTokenOrder() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray scores = manager.create(new float[] {0.1f, 0.9f, 0.5f, 0.7f, 0.2f, /* image 2 */ 3f, -1f, 2f, 0f, 1f}, new Shape(2, 5));
            NDArray kept = selector.select(scores, 3);
            assertThat(kept.getShape()).isEqualTo(new Shape(2, 3));
            assertThat(kept.toLongArray()).containsExactly(1, 2, 3, 0, 2, 4);
        }
    }

    @Test
    void keepCountsAreIntOfNTimesRhoToTheS() {
        TokenPruning pruning = new TokenPruning(List.of(2, 4), 0.7);
        assertThat(pruning.keep(64, 0)).isEqualTo(44);
        assertThat(pruning.keep(64, 1)).isEqualTo(31);
        assertThat(new TokenPruning(List.of(2, 4), 0.5).keep(64, 1)).isEqualTo(16);
        assertThat(new TokenPruning(List.of(2, 4), 0.9).keep(64, 1)).isEqualTo(51);
        assertThat(new TokenPruning(List.of(1, 2, 3, 4, 5), 0.1).keep(64, 4)).isEqualTo(1);
        assertThat(TokenPruning.defaults(6)).isEqualTo(new TokenPruning(List.of(2, 4), 0.7));
    }

    @Test
    void aKeepCountOutsideOneToNIsRejected() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray scores = manager.zeros(new Shape(2, 5));
            assertThatThrownBy(() -> selector.select(scores, 0)).isInstanceOf(InvalidInputException.class).hasMessageContaining("keep 0 of 5");
            assertThatThrownBy(() -> selector.select(scores, 6)).isInstanceOf(InvalidInputException.class).hasMessageContaining("keep 6 of 5");
        }
    }
}
