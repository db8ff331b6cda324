package io.vitprune.experiments;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import org.junit.jupiter.api.Test;

/** The experiments' timed forward passes free every temporary: nothing is left in the images' manager nor in the model's. */
class TimedForwardMemoryTest {
    @Test
    void forwardPassesLeaveNoArrayBehind() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(1, manager);
             NDManager imagesManager = manager.newSubManager()) {
            NDArray images = TestModels.images(TestModels.tinyConfig(), 2, 3, imagesManager);
            int modelArrays = manager.getManagedArrays().size();

            RuntimeTiming.forwardPasses(model, images, 5);

            assertThat(imagesManager.getManagedArrays()).containsExactly(images);
            assertThat(manager.getManagedArrays()).hasSize(modelArrays);
        }
    }
}
