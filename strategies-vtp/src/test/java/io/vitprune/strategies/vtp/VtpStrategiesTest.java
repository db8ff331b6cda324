package io.vitprune.strategies.vtp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** vtp-l1 loads through the registry and scores |g| of the gate training it is configured for. */
class VtpStrategiesTest {
    static final Cifar10 IMAGES = Fixtures.SAMPLE.randomSample(32, 6);
    static final StrategySettings QUICK = StrategySettings.of("epochs", "2", "lambda", "0.01", "lr", "0.01", "gate-lr", "0.01", "batch-size", "16");

    @TempDir
    Path temp;

    @Test
    void theRegistryFindsVtpL1InThisModule() throws Exception {
        StrategyRegistry registry = StrategyRegistry.load();

        assertThat(registry.broken()).isEmpty();
        Registered<ScorerFactory> vtp = registry.scorers().stream().filter(r -> r.name().equals("vtp-l1")).findFirst().orElseThrow();
        assertThat(vtp.provider()).isEqualTo("vtp");
        assertThat(Path.of(vtp.source())).isEqualTo(Path.of(VtpStrategies.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        assertThat(vtp.factory().needsData()).isTrue();
        assertThat(vtp.factory().supportedKinds())
                .containsExactlyInAnyOrder(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT);
        assertThat(vtp.factory().settings()).extracting(io.vitprune.api.SettingSpec::name).containsExactlyInAnyOrder("epochs", "lambda", "lr", "gate-lr", "batch-size", "seed", "work");
    }

    @Test
    void theScorerScoresTheAbsoluteGatesOfItsGateTrainingAndLeavesTheModelAlone() throws Exception {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Map<String, float[]> before = Fixtures.weights(model);
            List<String> progress = new ArrayList<>();
            ScoringContext context = new ScoringContext(Optional.of(new Cifar10ScoringData(IMAGES)), manager, 5, 8,
                    (task, done, total) -> progress.add(task + " " + done + "/" + total));

            UnitScores scores = Pruning.score(model, StrategyRegistry.load().scorer("vtp-l1").create(QUICK), UnitKind.MLP_UNIT, context);

            try (GatedModel expected = VtpGates.train(model, IMAGES, new VtpSettings(2, 0.01, 0.01, 0.01, 16, 5), manager)) {
                float[][] gates = expected.mlpGates().toArray(float[][]::new);
                for (int b = 0; b < gates.length; b++) {
                    for (int i = 0; i < gates[b].length; i++) {
                        gates[b][i] = Math.abs(gates[b][i]);
                    }
                    assertThat(scores.block(b)).as("block " + b).containsExactly(gates[b]);
                }
            }
            assertThat(progress).containsExactly("vtp-l1 gate training (epochs) 1/2", "vtp-l1 gate training (epochs) 2/2");
            Map<String, float[]> after = Fixtures.weights(model);
            before.forEach((name, values) -> assertThat(after.get(name)).as(name).containsExactly(values));
        }
    }

    @Test
    void withAWorkDirectoryTheScorerCheckpointsAndARerunResumesFromIt() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Scorer scorer = new VtpScorerFactory().create(QUICK.with("work", temp.toString()));
            ScoringContext context = new ScoringContext(Optional.of(new Cifar10ScoringData(IMAGES)), manager, 5, 8, ProgressListener.NONE);

            UnitScores first = Pruning.score(model, scorer, UnitKind.ATTENTION_HEAD, context);
            UnitScores again = Pruning.score(model, scorer, UnitKind.ATTENTION_HEAD, context);

            assertThat(Files.isDirectory(temp.resolve("checkpoint"))).isTrue();
            assertThat(first.block(0)).hasSize(4).containsExactly(again.block(0));
            assertThat(first.block(1)).containsExactly(again.block(1));
        }
    }

    @Test
    void badSettingsAndUnsuitableDataAreRefusedClearly() {
        ScorerFactory factory = StrategyRegistry.load().scorer("vtp-l1");
        assertThatThrownBy(() -> factory.create(StrategySettings.of("lamda", "1")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("setting 'lamda' of 'vtp-l1': unknown, expected one of [batch-size, epochs, gate-lr, lambda, lr, seed, work]");
        assertThatThrownBy(() -> factory.create(StrategySettings.of("lambda", "-1")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("VTP lambda -1.0: expected a finite number >= 0 (default 1e-4)");
        assertThatThrownBy(() -> factory.create(StrategySettings.of("seed", "x")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("setting 'seed' = 'x' of 'vtp-l1': expected an integer");

        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Scorer scorer = factory.create(QUICK);
            ScoringData tensors = new ScoringData() {
                @Override
                public int size() {
                    return 1;
                }

                @Override
                public NDList batch(NDManager batchManager, int from, int to) {
                    throw new AssertionError("not read");
                }
            };
            ScoringContext withTensors = new ScoringContext(Optional.of(tensors), manager, 0, 8, ProgressListener.NONE);

            assertThatThrownBy(() -> scorer.score(model, UnitKind.ATTENTION_CHANNEL, withTensors))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("expected CIFAR-10 training images (Cifar10ScoringData)");
            assertThatThrownBy(() -> scorer.score(model, UnitKind.ATTENTION_CHANNEL, ScoringContext.dataFree(manager)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("scorer 'vtp-l1' needs scoring data");
            assertThatThrownBy(() -> scorer.score(model, UnitKind.TOKEN, ScoringContext.dataFree(manager)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("does not score token");
        }
    }
}
