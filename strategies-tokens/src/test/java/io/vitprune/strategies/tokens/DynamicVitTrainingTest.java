package io.vitprune.strategies.tokens;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.TokenPruning;
import io.vitprune.core.data.Batches;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TinyTokenModel;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.train.AdamW;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DynamicViT training on a small slice of the bundled CIFAR-10 sample: it learns, and a stopped run resumes exactly. */
class DynamicVitTrainingTest {
    static final Cifar10 SLICE = Cifar10.read(Path.of("../data/cifar10-test-sample-1000.bin")).randomSample(96, 1);
    static final DynamicVitSettings SETTINGS = new DynamicVitSettings(TinyTokenModel.PRUNING, 2, 32, 3e-3, 0.01, 2.0, 0.5, 0.5, 0.1, 11);
    static final PrintStream QUIET = new PrintStream(OutputStream.nullOutputStream());

    @TempDir
    Path temp;

    @Test
    void stepsOnOneBatchLowerTheLossAndMoveThePredictors() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer teacher = TinyTokenModel.model(1, manager);
             DynamicVitTrainee trainee = new DynamicVitTrainee(TinyTokenModel.model(1, manager), SETTINGS)) {
            Map<String, Parameter> parameters = new LinkedHashMap<>(trainee.network().namedParameters());
            parameters.putAll(trainee.extraParameters());
            parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
            Map<String, float[]> before = values(trainee.extraParameters());
            Map<String, Double> scales = new LinkedHashMap<>();
            trainee.network().namedParameters().keySet().forEach(name -> scales.put(name, trainee.learningRateScale(name)));
            double first = 0;
            double last = 0;
            try (AdamW optimizer = new AdamW(parameters, scales, 0.05, manager)) {
                for (int step = 0; step < 8; step++) {
                    try (NDManager scope = trainee.newScope()) {
                        NDList batch = Batches.epoch(SLICE, 32, Batches.Order.SEQUENTIAL).next(scope);
                        trainee.beginStep(0); // the same Gumbel noise every step: the loss of one fixed problem
                        double loss;
                        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                            NDArray logits = trainee.logits(batch.get(0));
                            NDArray value = trainee.regularize(trainee.objective(teacher).loss(logits, batch.get(1), batch.get(0)));
                            collector.backward(value);
                            loss = value.getFloat();
                        }
                        optimizer.update(1e-2, scope);
                        if (step == 0) {
                            first = loss;
                        }
                        last = loss;
                    }
                }
            }
            assertThat(last).isLessThan(first);
            Map<String, float[]> after = values(trainee.extraParameters());
            assertThat(after.keySet()).allMatch(name -> !java.util.Arrays.equals(after.get(name), before.get(name)));
        }
    }

    @Test
    void aRunStoppedAfterAnEpochAndResumedEqualsAnUninterruptedRun() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reference = TinyTokenModel.model(3, manager)) {
            Map<String, float[]> straight;
            try (DynamicVitTrainee trained = new DynamicVitTraining(SETTINGS, SLICE, temp.resolve("straight"), QUIET)
                    .trainee(reference, reference, manager, SETTINGS.epochs())) {
                straight = allValues(trained);
            }
            new DynamicVitTraining(SETTINGS, SLICE, temp.resolve("resumed"), QUIET).trainee(reference, reference, manager, 1).close();
            try (DynamicVitTrainee resumed = new DynamicVitTraining(SETTINGS, SLICE, temp.resolve("resumed"), QUIET)
                    .trainee(reference, reference, manager, SETTINGS.epochs())) {
                Map<String, float[]> values = allValues(resumed);
                assertThat(values.keySet()).isEqualTo(straight.keySet());
                straight.forEach((name, array) -> assertThat(values.get(name)).as(name).containsExactly(array));
            }
            // The predictors trained, and the reference (the starting model) was not changed.
            try (DynamicVitTrainee fresh = new DynamicVitTrainee(TinyTokenModel.model(3, manager), SETTINGS)) {
                Map<String, float[]> initial = allValues(fresh);
                assertThat(initial.get("predictor.stage0.in_weight")).isNotEqualTo(straight.get("predictor.stage0.in_weight"));
                assertThat(values(reference.namedParameters()).get("block00.qkv_weight")).containsExactly(initial.get("block00.qkv_weight"));
            }
        }
    }

    @Test
    void theTrainedModelIsAGatheredInferenceModelAndOtherSettingsAreRefused() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reference = TinyTokenModel.model(3, manager)) {
            DynamicVitSettings oneEpoch = new DynamicVitSettings(TinyTokenModel.PRUNING, 1, 32, 3e-3, 0.01, 2.0, 0.5, 0.5, 0.1, 11);
            try (TokenPrunedModel model = new DynamicVitTraining(oneEpoch, SLICE, temp.resolve("run"), QUIET).train(reference, reference, manager)) {
                assertThat(model.tokensPerBlock()).containsExactly(17, 12, 8, 8);
                assertThat(model.strategies().scorer()).isEqualTo("dynamicvit");
            }
            DynamicVitSettings other = new DynamicVitSettings(new TokenPruning(List.of(1, 2), 0.5), 1, 32, 3e-3, 0.01, 2.0, 0.5, 0.5, 0.1, 11);
            assertThatThrownBy(() -> new DynamicVitTraining(other, SLICE, temp.resolve("run"), QUIET).train(reference, reference, manager))
                    .isInstanceOf(InvalidInputException.class).hasMessageContaining("was made with");
        }
    }

    private static Map<String, float[]> allValues(DynamicVitTrainee trainee) {
        Map<String, float[]> all = new LinkedHashMap<>(values(trainee.network().namedParameters()));
        all.putAll(values(trainee.extraParameters()));
        return all;
    }

    private static Map<String, float[]> values(Map<String, Parameter> parameters) {
        Map<String, float[]> values = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
        return values;
    }
}
