package io.vitprune.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A network with extra parameters trains, checkpoints them, and resumes exactly; checkpoints of the other kind are refused. */
class TrainableTest {
    static final Cifar10 SLICE = Cifar10.read(Path.of("../data/cifar10-test-sample-1000.bin")).randomSample(64, 2);
    static final TrainingOptions OPTIONS = new TrainingOptions(2, 16, 3e-3, 1e-4, 0.05, 0, 0.1, 11, 1.0);

    @TempDir
    Path temp;

    /** A learned offset per class added to the network's logits, with an L2 penalty on it. */
    static final class WithOffset implements Trainable {
        private final VisionTransformer network;
        private final Parameter offset = Parameter.builder().setName("logit_offset").setType(Parameter.Type.BIAS).build();

        WithOffset(VisionTransformer network) {
            this.network = network;
            offset.setArray(network.manager().newSubManager().zeros(new Shape(network.config().classes())));
        }

        @Override
        public VisionTransformer network() {
            return network;
        }

        @Override
        public Map<String, Parameter> extraParameters() {
            return Map.of(offset.getName(), offset);
        }

        @Override
        public NDArray logits(NDArray images) {
            return network.logits(images).add(offset.getArray());
        }

        @Override
        public NDArray regularize(NDArray loss) {
            return loss.add(offset.getArray().square().sum().mul(0.01f));
        }
    }

    @Test
    void extraParametersTrainAndAResumedRunEndsWhereAnUninterruptedOneDoes() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, float[]> uninterrupted = values(train(temp.resolve("straight"), manager, OPTIONS.epochs()));
            train(temp.resolve("resumed"), manager, 1).network().close();
            Map<String, float[]> resumed = values(train(temp.resolve("resumed"), manager, OPTIONS.epochs()));

            assertThat(resumed.keySet()).isEqualTo(uninterrupted.keySet()).contains("logit_offset");
            uninterrupted.forEach((name, values) -> assertThat(resumed.get(name)).as(name).containsExactly(values));
            assertThat(uninterrupted.get("logit_offset")).as("the offset trained").isNotEqualTo(new float[10]);
        }
    }

    @Test
    void aCheckpointResumesOnlyIntoATrainableWithTheSameExtraParameters() throws IOException {
        try (NDManager manager = NDManager.newBaseManager()) {
            train(temp.resolve("extra"), manager, 1).network().close();
            new TrainingRun(OPTIONS, Objective.crossEntropy(0.1), SLICE, null, temp.resolve("plain"), quiet())
                    .run(() -> TestModels.tiny(3, manager), manager, 1).close();

            assertThatThrownBy(() -> new TrainingRun(OPTIONS, Objective.crossEntropy(0.1), SLICE, null, temp.resolve("extra"), quiet())
                    .run(() -> TestModels.tiny(3, manager), manager))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("holds extra parameters [logit_offset]: this run trains []");
            assertThatThrownBy(() -> train(temp.resolve("plain"), manager, 2))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("has no " + TrainingRun.EXTRA + ": this run trains extra parameters [logit_offset]");
        }
    }

    private WithOffset train(Path work, NDManager manager, int lastEpoch) throws IOException {
        TrainingRun run = new TrainingRun(OPTIONS, Objective.crossEntropy(0.1), SLICE, null, work, quiet());
        return run.run(() -> TestModels.tiny(3, manager), WithOffset::new, manager, lastEpoch);
    }

    private static Map<String, float[]> values(WithOffset trained) {
        try (VisionTransformer network = trained.network()) {
            Map<String, float[]> values = new TreeMap<>();
            network.namedParameters().forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
            trained.extraParameters().forEach((name, parameter) -> values.put(name, parameter.getArray().toFloatArray()));
            return values;
        }
    }

    private static PrintStream quiet() {
        return new PrintStream(new ByteArrayOutputStream());
    }
}
