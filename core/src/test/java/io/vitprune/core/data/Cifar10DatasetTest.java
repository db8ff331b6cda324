package io.vitprune.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The DJL Dataset view walks the images once, in batches with DJL's progress counters. */
class Cifar10DatasetTest {
    @Test
    void batchesCoverEveryImageOnce() {
        Cifar10 images = Cifar10.read(Path.of("../data/cifar10-test-sample-1000.bin")).limit(70);
        List<Long> labels = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            for (Batch batch : new Cifar10Dataset(images, 32, Batches.Order.SEQUENTIAL).getData(manager)) {
                try (batch) {
                    assertThat(batch.getData().head().getShape()).isEqualTo(new Shape(batch.getSize(), 3, 32, 32));
                    assertThat(batch.getProgressTotal()).isEqualTo(3);
                    for (long label : batch.getLabels().head().toLongArray()) {
                        labels.add(label);
                    }
                }
            }
        }
        assertThat(labels).hasSize(70);
        for (int i = 0; i < 70; i++) {
            assertThat(labels.get(i)).isEqualTo(images.label(i));
        }
    }
}
