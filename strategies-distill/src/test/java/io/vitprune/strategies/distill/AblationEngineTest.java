package io.vitprune.strategies.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.ScoringCheckpoints;
import io.vitprune.api.ScoringData;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The batched engine against the definition, computed unit by unit ({@link ReferenceAblation}). */
class AblationEngineTest {
    private static final RandomScoringData DATA = RandomScoringData.of(12, 32, 3);

    private static NDManager manager;
    private static VisionTransformer model;

    @BeforeAll
    static void tinyModel() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(11, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @ParameterizedTest
    @EnumSource(value = UnitKind.class, names = {"ATTENTION_CHANNEL", "ATTENTION_HEAD", "MLP_UNIT"})
    void equalsTheUnitByUnitDefinition(UnitKind kind) {
        AblationLosses batched = new AblationEngine(1.0, 3).measure(model, kind, DATA, 5, ProgressListener.NONE);

        assertSameLosses(batched, ReferenceAblation.measure(model, kind, DATA, 1.0));
        assertThat(batched.blocks()).isEqualTo(2);
        assertThat(batched.crossEntropy(0)).hasSize(model.structure().block(0).units(kind));
        assertThat(batched.images()).isEqualTo(12);
    }

    @Test
    void theTemperatureSoftensTheKlAndTheTeacherCrossEntropyOnly() {
        AblationLosses soft = new AblationEngine(2.5, 4).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE);
        AblationLosses plain = AblationEngine.defaults().measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE);

        assertSameLosses(soft, ReferenceAblation.measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 2.5));
        assertThat(soft.crossEntropy(1)).containsExactly(plain.crossEntropy(1), within(1e-9));
        assertThat(soft.kl(1)).isNotEqualTo(plain.kl(1));
        assertThat(soft.teacherCrossEntropy(1)).isNotEqualTo(plain.teacherCrossEntropy(1));
    }

    @ParameterizedTest
    @ValueSource(doubles = {1.0, 2.5})
    void theTeacherCrossEntropyIsTheTeachersEntropyPlusTheKl(double temperature) {
        AblationLosses losses = new AblationEngine(temperature, 4).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 5, ProgressListener.NONE);
        double entropy = losses.teacherCrossEntropy(0)[0] - losses.kl(0)[0];

        // The same teacher for every unit: the difference is one number up to float64 rounding, and it is H(q_T).
        assertThat(entropy).isCloseTo(ReferenceAblation.teacherEntropy(model, DATA, temperature), within(1e-5));
        for (int b = 0; b < losses.blocks(); b++) {
            for (int u = 0; u < losses.kl(b).length; u++) {
                assertThat(losses.teacherCrossEntropy(b)[u] - losses.kl(b)[u]).as("block %d unit %d", b, u).isCloseTo(entropy, within(1e-12));
            }
        }
        assertThat(losses.kl(0)).as("the KL differs between units, so the identity says something").doesNotHaveDuplicates();
    }

    @Test
    void resultsDoNotDependOnHowUnitsAndImagesAreBatched() {
        AblationLosses one = new AblationEngine(1.0, 1).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE);
        AblationLosses five = new AblationEngine(1.0, 5).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 5, ProgressListener.NONE);
        AblationLosses all = new AblationEngine(1.0, 16).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 1, ProgressListener.NONE);
        AblationLosses automatic = AblationEngine.defaults().measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 7, ProgressListener.NONE);

        assertSameLosses(five, one);
        assertSameLosses(all, one);
        assertSameLosses(automatic, one);
    }

    @Test
    void theLossesOfTwoDisjointPartsPooledAreTheLossesOfTheWholeSet() {
        AblationEngine engine = new AblationEngine(1.0, 4);
        AblationLosses whole = engine.measure(model, UnitKind.MLP_UNIT, DATA, 6, ProgressListener.NONE);
        AblationLosses first = engine.measure(model, UnitKind.MLP_UNIT, slice(0, 5), 6, ProgressListener.NONE);
        AblationLosses second = engine.measure(model, UnitKind.MLP_UNIT, slice(5, 12), 6, ProgressListener.NONE);

        AblationLosses pooled = first.pooled(second);

        assertThat(pooled.images()).isEqualTo(12);
        assertSameLosses(pooled, whole);
        assertThat(first.kl(0)).as("the parts differ, so pooling is not trivially right").isNotEqualTo(second.kl(0));
        assertThatThrownBy(() -> first.pooled(engine.measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 6, ProgressListener.NONE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected the same units");
    }

    private static ScoringData slice(int from, int to) {
        return new ScoringData() {
            @Override
            public int size() {
                return to - from;
            }

            @Override
            public NDList batch(NDManager batchManager, int start, int end) {
                return DATA.batch(batchManager, from + start, from + end);
            }
        };
    }

    @Test
    void aUnitTheModelNeverReadsCostsNothing() {
        try (VisionTransformer edited = TestModels.tiny(11, manager)) {
            // Column 3 of the second MLP Linear is what reads MLP unit 3 of block 0: without it the unit is dead.
            edited.weight(0, ModelPart.MLP_OUT_WEIGHT).set(new NDIndex(":, 3"), 0f);

            AblationLosses losses = AblationEngine.defaults().measure(edited, UnitKind.MLP_UNIT, DATA, 12, ProgressListener.NONE);

            assertThat(losses.kl(0)[3]).isCloseTo(0, within(1e-9));
            assertThat(losses.crossEntropy(0)[3]).isCloseTo(ReferenceAblation.unmaskedCrossEntropy(edited, DATA), within(1e-5));
            assertThat(losses.kl(0)[2]).isGreaterThan(1e-6);
        }
    }

    @Test
    void reportsProgressUpToUnitsTimesBatches() {
        List<long[]> reports = new ArrayList<>();
        new AblationEngine(1.0, 10).measure(model, UnitKind.MLP_UNIT, DATA, 5, (task, done, total) -> reports.add(new long[] {done, total}));

        long total = 48L * 3;
        assertThat(reports).allSatisfy(report -> assertThat(report[1]).isEqualTo(total));
        assertThat(reports.stream().mapToLong(report -> report[0])).isSorted().last().isEqualTo(total);
    }

    @Test
    void leavesNoArraysBehind() {
        int before = model.manager().getManagedArrays().size();

        AblationEngine.defaults().measure(model, UnitKind.ATTENTION_HEAD, DATA, 4, ProgressListener.NONE);

        assertThat(model.manager().getManagedArrays()).hasSize(before);
        assertThat(model.weight(1, ModelPart.QKV_WEIGHT).getManager()).isSameAs(model.manager());
    }

    @Test
    void rejectsBadInputNamingIt() {
        AblationEngine engine = AblationEngine.defaults();

        assertThatThrownBy(() -> engine.measure(model, UnitKind.TOKEN, DATA, 4, ProgressListener.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("ablation of token units: expected one of");
        assertThatThrownBy(() -> engine.measure(model, UnitKind.MLP_UNIT, RandomScoringData.of(0, 32, 1), 4, ProgressListener.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessage("scoring data with 0 images: expected at least one labelled image");
        RandomScoringData badLabel = RandomScoringData.of(3, 32, 1);
        badLabel.labels()[2] = 10;
        assertThatThrownBy(() -> engine.measure(model, UnitKind.MLP_UNIT, badLabel, 4, ProgressListener.NONE))
                .isInstanceOf(InvalidInputException.class).hasMessage("label 10 of scoring image 2: expected a class in [0, 10)");
        assertThatThrownBy(() -> AblationEngine.fromSettings(StrategySettings.of("units-per-pass", "0")))
                .isInstanceOf(InvalidInputException.class).hasMessage("setting 'units-per-pass' = 0: expected an integer >= 1");
        assertThatThrownBy(() -> AblationEngine.fromSettings(StrategySettings.of("temperature", "-1")))
                .isInstanceOf(InvalidInputException.class).hasMessage("setting 'temperature' = -1.0: expected a finite number > 0");
    }

    /** Equal within 1e-5 relative, 1e-7 absolute: float32 products on batches of other shapes round differently. */
    /** Checkpoints in memory; {@code crashOnOverwrite} throws where a second write would replace the first, as if killed. */
    private record MemoryCheckpoints(Map<String, byte[]> kept, boolean crashOnOverwrite) implements ScoringCheckpoints {
        @Override
        public Optional<byte[]> read(String name) {
            return Optional.ofNullable(kept.get(name));
        }

        @Override
        public void write(String name, byte[] content) {
            if (crashOnOverwrite && kept.containsKey(name)) {
                throw new IllegalStateException("killed");
            }
            kept.put(name, content);
        }
    }

    @Test
    void aMeasurementKilledAfterABatchResumesFromItsCheckpointsToTheSameLosses() {
        AblationEngine engine = new AblationEngine(1.0, 3);
        AblationLosses uninterrupted = engine.measure(model, UnitKind.MLP_UNIT, DATA, 5, ProgressListener.NONE);
        Map<String, byte[]> kept = new HashMap<>();
        assertThatThrownBy(() -> engine.measure(model, UnitKind.MLP_UNIT, DATA, 5, ProgressListener.NONE, new MemoryCheckpoints(kept, true)))
                .hasMessage("killed");
        List<long[]> reports = new ArrayList<>();

        AblationLosses resumed = engine.measure(model, UnitKind.MLP_UNIT, DATA, 5, (task, done, total) -> reports.add(new long[] {done, total}),
                new MemoryCheckpoints(kept, false));

        assertThat(kept).containsOnlyKeys("ablation-mlp-unit.json");
        long units = model.structure().totalUnits(UnitKind.MLP_UNIT);
        assertThat(reports.get(0)[0]).as("first report of the resumed run skips the batch done").isGreaterThan(units);
        for (int b = 0; b < uninterrupted.blocks(); b++) {
            assertThat(resumed.crossEntropy(b)).containsExactly(uninterrupted.crossEntropy(b));
            assertThat(resumed.kl(b)).containsExactly(uninterrupted.kl(b));
            assertThat(resumed.teacherCrossEntropy(b)).containsExactly(uninterrupted.teacherCrossEntropy(b));
        }
    }

    @Test
    void aCheckpointThatDoesNotFitTheMeasurementIsRefused() {
        Map<String, byte[]> kept = new HashMap<>();
        MemoryCheckpoints memory = new MemoryCheckpoints(kept, false);
        AblationEngine engine = AblationEngine.defaults();
        engine.measure(model, UnitKind.MLP_UNIT, DATA, 12, ProgressListener.NONE, memory);
        kept.put("ablation-attention-channel.json", kept.get("ablation-mlp-unit.json"));

        assertThatThrownBy(() -> engine.measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE, memory))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("partial ablation of mlp-unit units");
        kept.put("ablation-attention-channel.json", "{not json".getBytes(StandardCharsets.UTF_8));
        assertThatThrownBy(() -> engine.measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 12, ProgressListener.NONE, memory))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("scoring checkpoint ablation-attention-channel.json: expected the JSON of a partial ablation");
    }

    @Test
    void aCheckpointOfTheFormatBeforeTeacherCrossEntropyIsRefused() {
        // What an older vitprune kept: loss sums of labels cross-entropy and KL only, no format.
        String old = "{\"kind\":\"MLP_UNIT\",\"batchSize\":5,\"images\":5,\"crossEntropySums\":[[1,2],[3]],\"klSums\":[[0.5,1],[2]]}";
        MemoryCheckpoints memory = new MemoryCheckpoints(new HashMap<>(Map.of("ablation-mlp-unit.json", old.getBytes(StandardCharsets.UTF_8))), false);

        assertThatThrownBy(() -> AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, DATA, 5, ProgressListener.NONE, memory))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("scoring checkpoint ablation-mlp-unit.json is a partial ablation of format 0: expected format 2 (with teacher "
                        + "cross-entropy sums); delete it to measure from the start");
    }

    @Test
    void lossesWithoutTheTeacherCrossEntropyAreRefusedNamingWhatIsMissing() {
        String old = "{\"kind\":\"MLP_UNIT\",\"images\":5,\"crossEntropy\":[[1,2]],\"kl\":[[0.5,1]]}";

        assertThatThrownBy(() -> ModelStore.json().readValue(old, AblationLosses.class))
                .hasMessageContaining("ablation losses of mlp-unit units without teacher cross-entropy losses: expected all three");
    }

    static void assertSameLosses(AblationLosses actual, AblationLosses expected) {
        assertThat(actual.kind()).isEqualTo(expected.kind());
        assertThat(actual.blocks()).isEqualTo(expected.blocks());
        for (int b = 0; b < expected.blocks(); b++) {
            assertClose(actual.crossEntropy(b), expected.crossEntropy(b));
            assertClose(actual.kl(b), expected.kl(b));
            assertClose(actual.teacherCrossEntropy(b), expected.teacherCrossEntropy(b));
        }
    }

    private static void assertClose(double[] actual, double[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("unit %d", i).isCloseTo(expected[i], within(1e-5 * Math.abs(expected[i]) + 1e-7));
        }
    }
}
