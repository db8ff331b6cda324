package io.vitprune.strategies.vtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import io.vitprune.core.train.Objective;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Gate training: the L1 term is in the loss, it drives gates to 0, and a stopped run resumes exactly. */
class GatedTrainingTest {
    static final Cifar10 SLICE = Fixtures.SAMPLE.randomSample(128, 3);

    @TempDir
    Path temp;

    @Test
    void theL1TermAddsLambdaTimesTheSumOfAbsoluteGatesAndItsSubGradient() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer network = TestModels.tiny(3, manager)) {
            Fixtures.Gates gates = Fixtures.gaussianGates(network.structure(), 4);
            double lambda = 0.5;
            Step with = step(network, gates, lambda, manager);
            Step without = step(network, gates, 0, manager);

            double sumAbs = 0;
            List<Float> signs = new ArrayList<>();
            for (float[] block : concat(gates.attention(), gates.mlp())) {
                for (float g : block) {
                    sumAbs += Math.abs(g);
                    signs.add(Math.signum(g));
                }
            }
            assertThat((double) with.loss() - without.loss()).isCloseTo(lambda * sumAbs, within(1e-4 * sumAbs));
            for (int i = 0; i < signs.size(); i++) {
                assertThat(with.gradients()[i] - without.gradients()[i]).as("gate " + i).isCloseTo((float) (lambda * signs.get(i)), within(1e-5f));
            }
        }
    }

    @Test
    void aLargeLambdaDrivesTheGatesToZeroWhileLambdaZeroLeavesThemNearOne() throws IOException {
        // With AdamW a gate moves by about its learning rate per step, so these 24 steps (3 epochs of 8
        // batches of 16) give the gates a large one of their own (the network's is 150 times smaller):
        // enough for a gate to travel from 1 to 0 when the penalty dominates the task gradient.
        float[] penalized = trainedGates(1.0);
        float[] free = trainedGates(0.0);

        assertThat(fractionBelow(penalized, 0.1f)).as("gates |g| < 0.1 with lambda 1").isGreaterThan(0.9);
        assertThat(fractionBelow(free, 0.1f)).as("gates |g| < 0.1 with lambda 0").isLessThan(0.25);
        assertThat(median(free)).as("median gate with lambda 0").isBetween(0.8f, 1.2f);
    }

    @Test
    void aGatedRunStoppedAfterAnEpochAndResumedEndsWithTheSameGatesAndWeights() throws IOException {
        VtpSettings settings = new VtpSettings(2, 1e-2, 1e-2, 1e-2, 16, 9);
        Cifar10 images = SLICE.limit(32);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reference = TestModels.tiny(3, manager)) {
            List<float[]> straight;
            List<float[]> resumed;
            try (GatedModel trained = new VtpGates(settings, images, temp.resolve("straight"), Fixtures.quiet()).train(reference, manager)) {
                straight = everything(trained);
            }
            VtpGates stopped = new VtpGates(settings, images, temp.resolve("resumed"), Fixtures.quiet());
            stopped.train(reference, manager, 1).close();
            try (GatedModel trained = stopped.train(reference, manager)) {
                resumed = everything(trained);
            }

            assertThat(resumed).hasSameSizeAs(straight);
            for (int i = 0; i < straight.size(); i++) {
                assertThat(resumed.get(i)).as("array " + i).containsExactly(straight.get(i));
            }
        }
    }

    @Test
    void trainingChangesACopyNotTheReferenceAndAWorkDirectoryKeepsItsSettings() throws IOException {
        VtpSettings settings = new VtpSettings(1, 1e-2, 1e-2, 1e-2, 16, 9);
        Cifar10 images = SLICE.limit(32);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reference = TestModels.tiny(3, manager)) {
            Map<String, float[]> before = Fixtures.weights(reference);
            Map<String, float[]> trained;
            try (GatedModel gated = new VtpGates(settings, images, temp, Fixtures.quiet()).train(reference, manager)) {
                trained = Fixtures.weights(gated.network());
            }

            Map<String, float[]> after = Fixtures.weights(reference);
            before.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
            assertThat(trained.get("block00.qkv_weight")).isNotEqualTo(before.get("block00.qkv_weight"));
            VtpSettings otherLambda = new VtpSettings(1, 1e-3, 1e-2, 1e-2, 16, 9);
            assertThatThrownBy(() -> new VtpGates(otherLambda, images, temp, Fixtures.quiet()).train(reference, manager))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("was made with " + settings)
                    .hasMessageContaining("use another work directory or the same settings");
        }
    }

    /** Loss and gate gradients of one batch, the network's weights fixed. */
    private record Step(float loss, float[] gradients) { }

    private static Step step(VisionTransformer network, Fixtures.Gates gates, double lambda, NDManager manager) {
        try (GatedModel gated = GatedModel.of(Fixtures.copy(network, manager), gates.attention(), gates.mlp(), lambda);
                NDManager scope = gated.newScope()) {
            Map<String, Parameter> parameters = gated.extraParameters();
            parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
            NDList batch = new Cifar10ScoringData(SLICE).batch(scope, 0, 8);
            NDArray loss;
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                loss = gated.regularize(Objective.crossEntropy(0.1).loss(gated.logits(batch.get(0)), batch.get(1), batch.get(0)));
                collector.backward(loss);
            }
            // extraParameters lists attention then MLP gates per block; order them as the gates lists are.
            List<float[]> gradients = new ArrayList<>();
            for (String kind : List.of("attention", "mlp")) {
                for (int b = 0; b < network.structure().depth(); b++) {
                    gradients.add(parameters.get(String.format("gate.%s.block%02d", kind, b)).getArray().getGradient().toFloatArray());
                }
            }
            return new Step(loss.getFloat(), flatten(gradients));
        }
    }

    private static float[] trainedGates(double lambda) throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reference = TestModels.tiny(3, manager);
                GatedModel trained = VtpGates.train(reference, SLICE, new VtpSettings(3, lambda, 1e-3, 0.15, 16, 5), manager)) {
            return flatten(concat(trained.attentionGates(), trained.mlpGates()));
        }
    }

    private static List<float[]> everything(GatedModel trained) {
        List<float[]> arrays = new ArrayList<>(concat(trained.attentionGates(), trained.mlpGates()));
        arrays.addAll(Fixtures.weights(trained.network()).values());
        return arrays;
    }

    private static List<float[]> concat(List<float[]> a, List<float[]> b) {
        List<float[]> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    private static float[] flatten(List<float[]> arrays) {
        float[] all = new float[arrays.stream().mapToInt(a -> a.length).sum()];
        int at = 0;
        for (float[] array : arrays) {
            System.arraycopy(array, 0, all, at, array.length);
            at += array.length;
        }
        return all;
    }

    private static double fractionBelow(float[] gates, float limit) {
        long below = 0;
        for (float g : gates) {
            if (Math.abs(g) < limit) {
                below++;
            }
        }
        return (double) below / gates.length;
    }

    private static float median(float[] values) {
        float[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
