package io.vitprune.strategies.distill;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.reliability.Spearman;
import io.vitprune.core.reliability.SplitHalf;
import io.vitprune.core.reliability.SplitHalfReliability;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** kd-importance loads through the registry and scores L_CE + alpha * L_KL of the engine's losses. */
class KdImportanceScorerTest {
    private static final RandomScoringData DATA = RandomScoringData.of(10, 32, 5);

    private static NDManager manager;
    private static VisionTransformer model;

    @BeforeAll
    static void tinyModel() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(13, manager);
    }

    @AfterAll
    static void close() {
        model.close();
        manager.close();
    }

    @Test
    void theRegistryFindsItInThisModule() throws Exception {
        StrategyRegistry registry = StrategyRegistry.load();

        assertThat(registry.broken()).isEmpty();
        Registered<ScorerFactory> kd = registry.scorers().stream().filter(r -> r.name().equals("kd-importance")).findFirst().orElseThrow();
        assertThat(kd.provider()).isEqualTo("distill");
        assertThat(Path.of(kd.source())).isEqualTo(Path.of(DistillStrategies.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        assertThat(kd.factory().needsData()).isTrue();
        assertThat(kd.factory().settings()).extracting(io.vitprune.api.SettingSpec::name).containsExactlyInAnyOrder("alpha", "ce-target", "estimate", "temperature", "units-per-pass");
        assertThat(kd.factory().supportedKinds()).containsExactlyInAnyOrder(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT);
    }

    @Test
    void scoresTheEstimatedLossesWhenAsked() {
        UnitScores scores = factory().create(StrategySettings.of("estimate", "fisher")).score(model, UnitKind.MLP_UNIT, context());
        AblationLosses losses = new AblationEngine(1, AblationEngine.AUTO, LossEstimate.FISHER).measure(model, UnitKind.MLP_UNIT, DATA, 4,
                ProgressListener.NONE);

        assertThat(scores.block(1)).containsExactly(losses.kdImportance(10, CeTarget.LABELS).block(1), within(1e-6f));
    }

    @Test
    void scoresCrossEntropyPlusAlphaTimesKl() {
        UnitScores scores = factory().create(StrategySettings.of("alpha", "0.5", "temperature", "2", "units-per-pass", "3"))
                .score(model, UnitKind.ATTENTION_HEAD, context());
        AblationLosses losses = new AblationEngine(2, 3).measure(model, UnitKind.ATTENTION_HEAD, DATA, 4, ProgressListener.NONE);

        scores.requireMatches(model.structure());
        for (int b = 0; b < 2; b++) {
            for (int head = 0; head < 4; head++) {
                assertThat(scores.block(b)[head]).isCloseTo((float) (losses.crossEntropy(b)[head] + 0.5 * losses.kl(b)[head]), within(1e-5f));
            }
        }
    }

    @Test
    void byDefaultWeighsTheKlTenTimesAgainstTheLabelCrossEntropy() {
        UnitScores scores = factory().create(StrategySettings.EMPTY).score(model, UnitKind.MLP_UNIT, context());
        AblationLosses losses = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, DATA, 4, ProgressListener.NONE);

        for (int b = 0; b < 2; b++) {
            assertThat(scores.block(b)).containsExactly(losses.kdImportance(10, CeTarget.LABELS).block(b));
        }
    }

    @Test
    void withTeacherTargetsTheCrossEntropyIsTheTeachers() {
        UnitScores scores = registry().scorer("kd-importance").create(StrategySettings.of("ce-target", "teacher", "alpha", "0.5"))
                .score(model, UnitKind.MLP_UNIT, context());
        UnitScores byLabels = registry().scorer("kd-importance").create(StrategySettings.of("ce-target", "labels", "alpha", "0.5"))
                .score(model, UnitKind.MLP_UNIT, context());
        AblationLosses losses = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, DATA, 4, ProgressListener.NONE);

        for (int u = 0; u < 24; u++) {
            assertThat(scores.block(0)[u]).isCloseTo((float) (losses.teacherCrossEntropy(0)[u] + 0.5 * losses.kl(0)[u]), within(1e-5f));
            assertThat(byLabels.block(0)[u]).isCloseTo((float) (losses.crossEntropy(0)[u] + 0.5 * losses.kl(0)[u]), within(1e-5f));
        }
    }

    @Test
    void addsTheWeightedKlToTheCrossEntropyOfTheChosenTarget() {
        AblationLosses losses = new AblationLosses(UnitKind.MLP_UNIT, 10, List.of(new double[] {1, 2}, new double[] {3}),
                List.of(new double[] {0.5, 4}, new double[] {0}), List.of(new double[] {10, 20}, new double[] {30}));

        UnitScores scores = losses.kdImportance(0.5, CeTarget.LABELS);

        assertThat(scores.kind()).isEqualTo(UnitKind.MLP_UNIT);
        assertThat(scores.block(0)).containsExactly(1.25f, 4f);
        assertThat(scores.block(1)).containsExactly(3f);
        assertThat(losses.kdImportance(0.5, CeTarget.TEACHER).block(0)).containsExactly(10.25f, 22f);
        assertThat(losses.kdImportance(0.5, CeTarget.LABELS).block(1)).containsExactly(3f);
        assertThat(losses.klImportance().block(0)).containsExactly(0.5f, 4f);
    }

    @Test
    void klImportanceIsFoundByNameAndScoresTheKlAlone() {
        Registered<ScorerFactory> kl = registry().scorers().stream().filter(r -> r.name().equals("kl-importance")).findFirst().orElseThrow();
        assertThat(kl.provider()).isEqualTo("distill");
        assertThat(kl.factory().needsData()).isTrue();
        assertThat(kl.factory().settings()).extracting(io.vitprune.api.SettingSpec::name).containsExactlyInAnyOrder("estimate", "temperature", "units-per-pass");
        UnitScores scores = kl.factory().create(StrategySettings.of("temperature", "2", "units-per-pass", "5"))
                .score(model, UnitKind.ATTENTION_CHANNEL, context());
        AblationLosses losses = new AblationEngine(2, 5).measure(model, UnitKind.ATTENTION_CHANNEL, DATA, 4, ProgressListener.NONE);

        for (int b = 0; b < 2; b++) {
            for (int u = 0; u < 16; u++) {
                assertThat(scores.block(b)[u]).isCloseTo((float) losses.kl(b)[u], within(1e-6f));
            }
        }
        assertThatThrownBy(() -> kl.factory().create(StrategySettings.of("alpha", "1")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("setting 'alpha' of 'kl-importance': unknown");
        assertThatThrownBy(() -> kl.factory().create(StrategySettings.EMPTY).score(model, UnitKind.MLP_UNIT, ScoringContext.dataFree(manager)))
                .isInstanceOf(InvalidInputException.class).hasMessageStartingWith("scorer 'kl-importance' needs scoring data");
    }

    @Test
    void alphaZeroScoresTheCrossEntropyAlone() {
        UnitScores scores = factory().create(StrategySettings.of("alpha", "0")).score(model, UnitKind.MLP_UNIT, context());
        AblationLosses losses = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, DATA, 4, ProgressListener.NONE);

        for (int u = 0; u < 24; u++) {
            assertThat(scores.block(1)[u]).isCloseTo((float) losses.crossEntropy(1)[u], within(1e-5f));
        }
    }

    @Test
    void theSplitHalfReliabilityComparesTheLossesOfTheEvenAndTheOddImages() {
        ScorerFactory kl = registry().scorer("kl-importance");

        SplitHalfReliability reliability = SplitHalf.ifDataDriven(kl, kl.create(StrategySettings.EMPTY), model, UnitKind.MLP_UNIT, context())
                .orElseThrow();

        AblationLosses even = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, DATA.every(2, 0), 4, ProgressListener.NONE);
        AblationLosses odd = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, DATA.every(2, 1), 4, ProgressListener.NONE);
        for (int b = 0; b < 2; b++) {
            assertThat(reliability.perBlock().get(b)).isCloseTo(Spearman.correlation(floats(even.kl(b)), floats(odd.kl(b))), within(1e-12));
        }
        assertThat(reliability.halfImages()).isEqualTo(5);
    }

    /** As the scores hold them. */
    private static double[] floats(double[] losses) {
        double[] rounded = new double[losses.length];
        for (int i = 0; i < losses.length; i++) {
            rounded[i] = (float) losses[i];
        }
        return rounded;
    }

    @Test
    void withoutDataItFailsNamingTheScorer() {
        assertThatThrownBy(() -> factory().create(StrategySettings.EMPTY).score(model, UnitKind.ATTENTION_CHANNEL, ScoringContext.dataFree(manager)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("scorer 'kd-importance' needs scoring data");
    }

    @Test
    void rejectsBadSettingsAndKinds() {
        assertThatThrownBy(() -> factory().create(StrategySettings.of("beta", "1")))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("setting 'beta' of 'kd-importance': unknown");
        assertThatThrownBy(() -> factory().create(StrategySettings.of("alpha", "-0.1")))
                .isInstanceOf(InvalidInputException.class).hasMessage("setting 'alpha' = -0.1: expected a finite number >= 0");
        assertThatThrownBy(() -> registry().scorer("kd-importance").create(StrategySettings.of("ce-target", "foo")))
                .isInstanceOf(InvalidInputException.class).hasMessage("setting 'ce-target' = 'foo' of 'kd-importance': expected labels or teacher");
        assertThatThrownBy(() -> factory().create(StrategySettings.EMPTY).score(model, UnitKind.TOKEN, context()))
                .isInstanceOf(InvalidInputException.class).hasMessageContaining("scorer 'kd-importance' does not score token");
    }

    private static StrategyRegistry registry() {
        return StrategyRegistry.load();
    }

    /** Through the registry, the host: it checks settings and kinds before the plug-in runs. */
    private static ScorerFactory factory() {
        return registry().scorer("kd-importance");
    }

    private static ScoringContext context() {
        return new ScoringContext(Optional.of(DATA), manager, 0, 4, ProgressListener.NONE);
    }
}
