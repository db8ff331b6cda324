package io.vitprune.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Regularizer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.TrainingSpec;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import io.vitprune.thirdparty.MaskL1Scorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A learned scorer written against api alone ({@link MaskL1Scorer}) trains through the host's training contract. */
class HostTrainingTest {
    static final Cifar10 IMAGES = Cifar10.read(Path.of("../data/cifar10-test-sample-1000.bin")).randomSample(32, 3);

    @TempDir
    Path temp;

    @Test
    void aThirdPartyScorerTrainsItsMasksThroughTheHostAndScoresFromThemLeavingTheModelAlone() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            float[] weightBefore = model.weight(0, ModelPart.MLP_IN_WEIGHT).toFloatArray();
            List<String> progress = new ArrayList<>();

            UnitScores scores = Pruning.score(model, new MaskL1Scorer(1f, Optional.empty()), UnitKind.MLP_UNIT,
                    context(manager, (task, done, total) -> progress.add(task + " " + done + "/" + total)));

            assertThat(progress).containsExactly("mask-l1 training (epochs) 1/2", "mask-l1 training (epochs) 2/2");
            for (int b = 0; b < model.structure().depth(); b++) {
                assertThat(scores.block(b)).as("block " + b).hasSize(24).doesNotContain(1f);
            }
            assertThat(model.weight(0, ModelPart.MLP_IN_WEIGHT).toFloatArray()).containsExactly(weightBefore);
        }
    }

    @Test
    void killedAfterAnEpochTheScorerResumesFromItsCheckpointAndEndsAsAnUninterruptedRun() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Path work = temp.resolve("killed");
            UnitScores uninterrupted = Pruning.score(model, new MaskL1Scorer(1f, Optional.of(temp.resolve("straight"))), UnitKind.MLP_UNIT,
                    context(manager, ProgressListener.NONE));
            ProgressListener killAfterEpochOne = (task, done, total) -> {
                throw new Killed();
            };

            assertThatThrownBy(() -> Pruning.score(model, new MaskL1Scorer(1f, Optional.of(work)), UnitKind.MLP_UNIT,
                    context(manager, killAfterEpochOne))).hasCauseInstanceOf(Killed.class);
            assertThat(Files.isDirectory(work.resolve(TrainingRun.CHECKPOINT))).isTrue();
            // Starting values the checkpoint must override: a run that started over would end elsewhere.
            UnitScores resumed = Pruning.score(model, new MaskL1Scorer(5f, Optional.of(work)), UnitKind.MLP_UNIT, context(manager, ProgressListener.NONE));

            for (int b = 0; b < model.structure().depth(); b++) {
                assertThat(resumed.block(b)).as("block " + b).containsExactly(uninterrupted.block(b));
            }
        }
    }

    @Test
    void aWorkDirectoryRefusesAnotherRecipe() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Path work = temp.resolve("work");
            Pruning.score(model, new MaskL1Scorer(1f, Optional.of(work)), UnitKind.MLP_UNIT, context(manager, ProgressListener.NONE));
            TrainingSpec otherRate = new TrainingSpec(2, 1e-3, 1e-1, 16, 4, Optional.of(work));

            assertThatThrownBy(() -> new HostTraining(IMAGES, manager).train(model, otherRate, new NoRegularizer(), ProgressListener.NONE))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("was made with RegularizerSettings[parameterLearningRate=0.05, recipe=mask-l1 weight=0.01]");
        }
    }

    @Test
    void withoutTrainingOnOfferTheScorerIsRefusedClearlyAndTheHostRefusesModelsNotItsOwn() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            ScoringData tensors = ScoringData.of(manager.zeros(new Shape(1, 3, 32, 32)), manager.create(new long[] {0}));
            ScoringContext untrainable = new ScoringContext(Optional.of(tensors), manager, 0, 8, ProgressListener.NONE);

            assertThat(HostTraining.offer(model, untrainable).training()).isEmpty();
            assertThatThrownBy(() -> Pruning.score(model, new MaskL1Scorer(1f, Optional.empty()), UnitKind.MLP_UNIT, untrainable))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageEndingWith("scorer 'mask-l1' trains a copy of the model: the host offers no training for this model and these scoring data");

            PrunableModel foreign = new Trainable() {
                @Override
                public VisionTransformer network() {
                    return model;
                }
            };
            assertThat(HostTraining.offer(foreign, context(manager, ProgressListener.NONE)).training()).isEmpty();
            assertThatThrownBy(() -> new HostTraining(IMAGES, manager).train(foreign, new TrainingSpec(1, 1e-3, 1e-3, 16, 0, Optional.empty()),
                    new NoRegularizer(), ProgressListener.NONE))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageStartingWith("the host trains its own models (VisionTransformer) only: got io.vitprune.core.train.HostTrainingTest$");
        }
    }

    private static ScoringContext context(NDManager manager, ProgressListener progress) {
        return new ScoringContext(Optional.of(new Cifar10ScoringData(IMAGES)), manager, 4, 8, progress);
    }

    /** A simulated kill: thrown from the progress report of the first finished (and checkpointed) epoch. */
    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }

    /** No parameters, no masks, no penalty: plain training. */
    private static final class NoRegularizer implements Regularizer {
        @Override
        public Map<String, Parameter> parameters() {
            return Map.of();
        }

        @Override
        public NDArray mask(int block, UnitKind kind) {
            return null;
        }

        @Override
        public NDArray penalty(NDManager step) {
            return step.create(0f);
        }

        @Override
        public String recipe() {
            return "none";
        }
    }
}
