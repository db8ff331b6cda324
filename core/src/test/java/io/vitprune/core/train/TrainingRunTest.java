package io.vitprune.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Training on a small slice of the bundled CIFAR-10 sample: it learns, checkpoints, and resumes exactly. */
class TrainingRunTest {
    static final Cifar10 SLICE = Cifar10.read(Path.of("../data/cifar10-test-sample-1000.bin")).randomSample(256, 1);
    static final TrainingOptions OPTIONS = new TrainingOptions(3, 64, 3e-3, 1e-4, 0.05, 1, 0.1, 7, 1.0);

    @TempDir
    Path temp;

    @Test
    void aRunStoppedAfterAnEpochAndResumedEndsWithTheSameWeightsAsAnUninterruptedRun() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, float[]> uninterrupted = weights(train(temp.resolve("straight"), manager, OPTIONS.epochs()));
            train(temp.resolve("resumed"), manager, 1).close();
            Map<String, float[]> resumed = weights(train(temp.resolve("resumed"), manager, OPTIONS.epochs()));

            assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet());
            uninterrupted.forEach((name, values) -> assertThat(resumed.get(name)).as(name).containsExactly(values));
            assertThat(Files.readAllLines(temp.resolve("resumed").resolve(TrainingRun.HISTORY)))
                    .hasSize(OPTIONS.epochs() + 1)
                    .first().isEqualTo(TrainingRun.HISTORY_HEADER);
        }
    }

    @Test
    void aHistoryWrittenBeforeTheCpuColumnExistedGetsAnEmptyCellAndNewRowsRecordCpuTime() throws IOException {
        Path history = temp.resolve("run").resolve(TrainingRun.HISTORY);
        try (NDManager manager = NDManager.newBaseManager()) {
            train(temp.resolve("run"), manager, 1).close();
            List<String> rows = Files.readAllLines(history);
            Files.write(history, List.of("epoch,train_loss,train_top1,test_top1,learning_rate,seconds,images_per_second",
                    rows.get(1).substring(0, rows.get(1).lastIndexOf(','))));
            train(temp.resolve("run"), manager, 2).close();
        }
        List<String> rows = Files.readAllLines(history);

        assertThat(rows.get(0)).isEqualTo(TrainingRun.HISTORY_HEADER);
        assertThat(rows.get(1).split(",", -1)).hasSize(8).endsWith("");
        assertThat(Double.parseDouble(rows.get(2).split(",")[7])).isPositive();
    }

    @Test
    void trainedEpochsAndSecondsAddUpEveryRunThatResumedTheWork() throws IOException {
        Path work = temp.resolve("run");
        assertThat(TrainingRun.trainedSeconds(work)).isZero();
        assertThat(TrainingRun.trainedEpochs(work)).isZero();
        try (NDManager manager = NDManager.newBaseManager()) {
            train(work, manager, 1).close();
            train(work, manager, 2).close();
        }
        assertThat(TrainingRun.trainedEpochs(work)).isEqualTo(2);
        // The epochs' own times are too short to tell apart here: give them known ones.
        Path history = work.resolve(TrainingRun.HISTORY);
        List<String> rows = Files.readAllLines(history);
        Files.write(history, List.of(rows.get(0), withSeconds(rows.get(1), "12.5"), withSeconds(rows.get(2), "30.0")));
        assertThat(TrainingRun.trainedSeconds(work)).isCloseTo(42.5, within(1e-9));
    }

    private static String withSeconds(String row, String seconds) {
        String[] cells = row.split(",", -1);
        cells[5] = seconds;
        return String.join(",", cells);
    }

    @Test
    void trainingLowersTheLoss() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            train(temp.resolve("run"), manager, OPTIONS.epochs()).close();
        }
        List<String> rows = Files.readAllLines(temp.resolve("run").resolve(TrainingRun.HISTORY));
        double first = Double.parseDouble(rows.get(1).split(",")[1]);
        double last = Double.parseDouble(rows.get(rows.size() - 1).split(",")[1]);

        assertThat(last).isLessThan(first);
    }

    @Test
    void aCheckpointMadeWithOtherOptionsIsNotResumed() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            train(temp.resolve("run"), manager, 1).close();
            TrainingOptions other = new TrainingOptions(3, 64, 1e-3, 1e-4, 0.05, 1, 0.1, 7, 1.0);
            TrainingRun run = new TrainingRun(other, Objective.crossEntropy(0.1), SLICE, null, temp.resolve("run"), quiet());

            assertThatThrownBy(() -> run.run(() -> TestModels.tiny(3, manager), manager))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("checkpoint")
                    .hasMessageContaining("use another work directory or the same options");
        }
    }

    @Test
    void anAmendingRunContinuesWithNewRegularisationAndRecordsTheChange() throws IOException {
        TrainingOptions clipped = new TrainingOptions(3, 64, 3e-3, 1e-4, 0.01, 1, 0.1, 7, 0.5);
        try (NDManager manager = NDManager.newBaseManager()) {
            train(temp.resolve("run"), manager, 1).close();
            TrainingRun run = new TrainingRun(clipped, Objective.crossEntropy(0.1), SLICE, null, temp.resolve("run"), quiet());
            run.amending().run(() -> TestModels.tiny(3, manager), manager, 2).close();
        }
        TrainingRun.State state = ModelStore.json().readValue(
                temp.resolve("run").resolve(TrainingRun.CHECKPOINT).resolve("state.json").toFile(), TrainingRun.State.class);

        assertThat(state.options()).isEqualTo(clipped);
        assertThat(state.epochsDone()).isEqualTo(2);
        assertThat(state.amendments()).containsExactly(new TrainingRun.Amendment(1, OPTIONS));
    }

    @Test
    void anAmendmentMayNotChangeTheSchedule() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            train(temp.resolve("run"), manager, 1).close();
            TrainingOptions longer = new TrainingOptions(4, 64, 3e-3, 1e-4, 0.05, 1, 0.1, 7, 1.0);
            TrainingRun run = new TrainingRun(longer, Objective.crossEntropy(0.1), SLICE, null, temp.resolve("run"), quiet());

            assertThatThrownBy(() -> run.amending().run(() -> TestModels.tiny(3, manager), manager))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("an amendment may change only weight decay, label smoothing and gradient clipping");
        }
    }

    @Test
    void clippingScalesTheGlobalGradientNormDownToTheLimitAndLeavesSmallGradientsAlone() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Map<String, ai.djl.nn.Parameter> parameters = model.namedParameters();
            try (NDManager scope = model.newScope(); AdamW optimizer = new AdamW(parameters, 0, manager)) {
                parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
                NDArray images = TestModels.images(model.config(), 4, 1, scope);
                try (ai.djl.training.GradientCollector collector = ai.djl.engine.Engine.getInstance().newGradientCollector()) {
                    collector.backward(model.logits(images).square().sum());
                }
                double norm = gradientNorm(parameters);

                assertThat(optimizer.clipGradientNorm(norm * 2)).isFalse();
                assertThat(gradientNorm(parameters)).isCloseTo(norm, org.assertj.core.data.Percentage.withPercentage(1e-4));
                assertThat(optimizer.clipGradientNorm(norm / 4)).isTrue();
                assertThat(gradientNorm(parameters)).isCloseTo(norm / 4, org.assertj.core.data.Percentage.withPercentage(1e-3));
            }
        }
    }

    private static double gradientNorm(Map<String, ai.djl.nn.Parameter> parameters) {
        double squares = 0;
        for (ai.djl.nn.Parameter parameter : parameters.values()) {
            squares += parameter.getArray().getGradient().square().sum().getFloat();
        }
        return Math.sqrt(squares);
    }

    @Test
    void distillingFromItselfAddsNothingToTheCrossEntropy() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(4, manager)) {
            NDArray images = TestModels.images(model.config(), 8, 1, manager);
            NDArray labels = manager.arange(0, 8).toType(ai.djl.ndarray.types.DataType.INT64, false);
            NDArray logits = model.logits(images);

            float distilled = new Distillation(model, 1.0, 2.0, 0.1).loss(logits, labels, images).getFloat();
            float crossEntropy = Objective.crossEntropy(0.1).loss(logits, labels, images).getFloat();

            assertThat(distilled).isCloseTo(crossEntropy, org.assertj.core.data.Offset.offset(1e-5f));
        }
    }

    @Test
    void crossEntropyWithoutSmoothingIsTheNegativeLogLikelihood() {
        try (NDManager manager = NDManager.newBaseManager()) {
            NDArray logits = manager.create(new float[] {2, 0, 0, 0, 1, 0}, new ai.djl.ndarray.types.Shape(2, 3));
            NDArray labels = manager.create(new long[] {0, 2});
            double expected = (-Math.log(Math.exp(2) / (Math.exp(2) + 2)) - Math.log(1 / (2 + Math.E))) / 2;

            assertThat((double) Objective.crossEntropy(0).loss(logits, labels, null).getFloat())
                    .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-5));
        }
    }

    @Test
    void theScheduleWarmsUpLinearlyThenDecaysToTheFloor() {
        LearningRateSchedule schedule = new LearningRateSchedule(1.0, 0.1, 10, 110);

        assertThat(schedule.at(0)).isEqualTo(0.1);
        assertThat(schedule.at(9)).isEqualTo(1.0);
        assertThat(schedule.at(60)).isCloseTo(0.55, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(schedule.at(110)).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
    }

    private VisionTransformer train(Path work, NDManager manager, int lastEpoch) throws IOException {
        TrainingRun run = new TrainingRun(OPTIONS, Objective.crossEntropy(0.1), SLICE, null, work, quiet());
        return run.run(() -> TestModels.tiny(3, manager), manager, lastEpoch);
    }

    static Map<String, float[]> weights(VisionTransformer model) {
        try (model) {
            Map<String, float[]> values = new java.util.TreeMap<>();
            model.namedParameters().forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
            return values;
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }
}
