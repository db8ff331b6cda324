package io.vitprune.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/** {@link ScoringData#of}: batches are the given images and labels, independent of the arrays' manager; bad shapes are named. */
class ScoringDataTest {
    @Test
    void batchesAreSlicesOfTheGivenArraysAfterTheirManagerIsClosed() {
        ScoringData data;
        try (NDManager source = NDManager.newBaseManager()) {
            data = ScoringData.of(source.arange(0f, 4 * 3 * 2 * 2).reshape(4, 3, 2, 2), source.create(new int[] {7, 1, 3, 9}));
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            NDList batch = data.batch(manager, 1, 3);
            assertThat(data.size()).isEqualTo(4);
            assertThat(batch.get(0).getShape()).isEqualTo(new Shape(2, 3, 2, 2));
            assertThat(batch.get(0).toFloatArray()[0]).isEqualTo(12f);
            assertThat(batch.get(1).toLongArray()).containsExactly(1, 3);
        }
    }

    @Test
    void imagesAndLabelsOfTheWrongShapeOrTypeAreNamed() {
        try (NDManager manager = NDManager.newBaseManager()) {
            assertThatThrownBy(() -> ScoringData.of(manager.zeros(new Shape(2, 1, 4, 4)), manager.create(new long[] {0, 1})))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("(2, 1, 4, 4)").hasMessageContaining("(n, 3, height, width)");
            assertThatThrownBy(() -> ScoringData.of(manager.zeros(new Shape(2, 3, 4, 4)), manager.create(new long[] {0})))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("one per image");
            assertThatThrownBy(() -> ScoringData.of(manager.zeros(new Shape(2, 3, 4, 4)), manager.create(new float[] {0, 1})))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("integer");
        }
    }
}
