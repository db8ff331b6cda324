package io.vitprune.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TeacherLogitsTest {
    @TempDir
    Path temp;

    @Test
    void aBatchSeenBeforeIsAnsweredWithTheTeachersOwnLogitsAndAnotherIsComputed() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer teacher = TestModels.tiny(4, manager)) {
            TeacherLogits logits = new TeacherLogits(teacher);
            NDArray images = TestModels.images(teacher.config(), 8, 1, manager);

            float[] first = logits.of(images).toFloatArray();
            float[] again = logits.of(images.duplicate()).toFloatArray();
            NDArray changed = images.duplicate();
            changed.set(new ai.djl.ndarray.index.NDIndex("0, 0, 0, 0"), 0.5f);
            logits.of(changed);

            assertThat(again).containsExactly(teacher.logits(images).toFloatArray());
            assertThat(first).containsExactly(again);
            assertThat(logits.computed()).isEqualTo(2);
            assertThat(logits.reused()).isEqualTo(1);
        }
    }

    @Test
    void aSecondFineTuneWithTheSameSeedSkipsTheTeacherAndEndsWithTheSameWeightsAsWithoutMemory() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer teacher = TestModels.tiny(4, manager)) {
            TeacherLogits shared = new TeacherLogits(teacher);
            finetune(new Distillation(shared, 1.0, 2.0, 0.1), temp.resolve("first"), manager).close();
            long batchesOfOneRun = shared.computed();

            Map<String, float[]> remembered = TrainingRunTest.weights(finetune(new Distillation(shared, 1.0, 2.0, 0.1), temp.resolve("second"), manager));
            Map<String, float[]> fresh = TrainingRunTest.weights(finetune(new Distillation(teacher, 1.0, 2.0, 0.1), temp.resolve("fresh"), manager));

            assertThat(shared.computed()).isEqualTo(batchesOfOneRun);
            assertThat(shared.reused()).isEqualTo(batchesOfOneRun);
            assertThat(remembered.keySet()).isEqualTo(fresh.keySet());
            remembered.forEach((name, values) -> assertThat(values).as(name).containsExactly(fresh.get(name)));
        }
    }

    private static VisionTransformer finetune(Objective objective, Path work, NDManager manager) throws IOException {
        TrainingRun run = new TrainingRun(TrainingRunTest.OPTIONS, objective, TrainingRunTest.SLICE, null, work,
                new PrintStream(new ByteArrayOutputStream()));
        return run.run(() -> TestModels.tiny(9, manager), manager, 2);
    }
}
