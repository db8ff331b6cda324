package io.vitprune.strategies.stability;

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
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestModels;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** regression-stability loads through the registry and scores the engine's losses. */
class RegressionStabilityScorerTest {
    private static NDManager manager;
    private static VisionTransformer model;
    private static ScoringData data;

    @BeforeAll
    static void tinyModel() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(17, manager);
        data = randomData(8);
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
        Registered<ScorerFactory> stability = registry.scorers().stream()
                .filter(r -> r.name().equals("regression-stability")).findFirst().orElseThrow();
        assertThat(stability.provider()).isEqualTo("stability");
        assertThat(Path.of(stability.source()))
                .isEqualTo(Path.of(StabilityStrategies.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        assertThat(stability.factory().needsData()).isTrue();
        assertThat(stability.factory().settings()).extracting(io.vitprune.api.SettingSpec::name).containsExactlyInAnyOrder("scope", "ce-target", "estimate", "temperature", "units-per-pass");
    }

    @Test
    void scoresTheEnginesLossesInTheChosenScope() {
        AblationLosses losses = new AblationEngine(1.5, 4).measure(model, UnitKind.ATTENTION_CHANNEL, data, 4, ProgressListener.NONE);

        for (Scope scope : Scope.values()) {
            UnitScores scores = factory().create(StrategySettings.of("scope", scope.id(), "temperature", "1.5", "units-per-pass", "4"))
                    .score(model, UnitKind.ATTENTION_CHANNEL, context());
            UnitScores expected = StabilityScores.of(losses, scope, CeTarget.TEACHER);
            scores.requireMatches(model.structure());
            for (int b = 0; b < 2; b++) {
                assertThat(scores.block(b)).containsExactly(expected.block(b));
            }
        }
    }

    @Test
    void withoutAScopeTheFitFollowsTheSelector() {
        StrategyRegistry registry = StrategyRegistry.load();
        ScoringContext uniform = context().forSelector(registry.selector("uniform").create(StrategySettings.EMPTY));
        ScoringContext global = context().forSelector(registry.selector("global").create(StrategySettings.EMPTY));
        AblationLosses losses = AblationEngine.defaults().measure(model, UnitKind.MLP_UNIT, data, 4, ProgressListener.NONE);
        UnitScores perBlock = StabilityScores.of(losses, Scope.BLOCK, CeTarget.LABELS);
        UnitScores allBlocks = StabilityScores.of(losses, Scope.GLOBAL, CeTarget.LABELS);
        assertThat(perBlock.block(0)).as("the scopes differ, so the test can tell them apart").isNotEqualTo(allBlocks.block(0));
        // Label targets, whose per-block and global fits differ; with teacher targets both fits are exact.
        Scorer byDefault = registry.scorer("regression-stability").create(StrategySettings.of("ce-target", "labels"));
        Scorer setGlobal = registry.scorer("regression-stability").create(StrategySettings.of("ce-target", "labels", "scope", "global"));

        for (int b = 0; b < 2; b++) {
            assertThat(byDefault.score(model, UnitKind.MLP_UNIT, uniform).block(b)).containsExactly(perBlock.block(b));
            assertThat(byDefault.score(model, UnitKind.MLP_UNIT, global).block(b)).containsExactly(allBlocks.block(b));
            assertThat(byDefault.score(model, UnitKind.MLP_UNIT, context()).block(b)).as("no selector known").containsExactly(allBlocks.block(b));
            assertThat(setGlobal.score(model, UnitKind.MLP_UNIT, uniform).block(b)).as("a set scope wins").containsExactly(allBlocks.block(b));
        }
    }

    @Test
    void withTeacherTargetsTheScoreRanksAsTheKl() {
        AblationLosses losses = AblationEngine.defaults().measure(model, UnitKind.ATTENTION_CHANNEL, data, 4, ProgressListener.NONE);

        for (Scope scope : Scope.values()) {
            UnitScores scores = StrategyRegistry.load().scorer("regression-stability")
                    .create(StrategySettings.of("ce-target", "teacher", "scope", scope.id())).score(model, UnitKind.ATTENTION_CHANNEL, context());
            UnitScores byLabels = StrategyRegistry.load().scorer("regression-stability")
                    .create(StrategySettings.of("ce-target", "labels", "scope", scope.id())).score(model, UnitKind.ATTENTION_CHANNEL, context());
            for (int b = 0; b < 2; b++) {
                assertThat(StabilityScoresTest.order(scores.block(b))).as("%s scope, block %d", scope, b)
                        .containsExactly(StabilityScoresTest.order(losses.kl(b)));
                assertThat(byLabels.block(b)).containsExactly(StabilityScores.of(losses, scope, CeTarget.LABELS).block(b));
            }
        }
    }

    @Test
    void withoutDataItFailsNamingTheScorer() {
        assertThatThrownBy(() -> factory().create(StrategySettings.EMPTY).score(model, UnitKind.MLP_UNIT, ScoringContext.dataFree(manager)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("scorer 'regression-stability' needs scoring data");
    }

    @Test
    void rejectsAnUnknownScopeOrCrossEntropyTarget() {
        assertThatThrownBy(() -> factory().create(StrategySettings.of("scope", "layer")))
                .isInstanceOf(InvalidInputException.class).hasMessage("setting 'scope' = 'layer' of 'regression-stability': expected block or global");
        assertThatThrownBy(() -> StrategyRegistry.load().scorer("regression-stability").create(StrategySettings.of("ce-target", "foo")))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("setting 'ce-target' = 'foo' of 'regression-stability': expected labels or teacher");
    }

    /** Through the registry, the host: it checks settings and kinds before the plug-in runs. */
    private static ScorerFactory factory() {
        return StrategyRegistry.load().scorer("regression-stability");
    }

    private static ScoringContext context() {
        return new ScoringContext(Optional.of(data), manager, 0, 4, ProgressListener.NONE);
    }

    /** Standard-normal images with random labels, made once and sliced. */
    private static ScoringData randomData(int size) {
        NDManager holder = manager.newSubManager();
        NDList all = new NDList(TestModels.images(TestModels.tinyConfig(), size, 5, holder),
                holder.create(new Random(5).longs(size, 0, 10).toArray()));
        return new ScoringData() {
            @Override
            public int size() {
                return size;
            }

            @Override
            public NDList batch(NDManager target, int from, int to) {
                NDList batch = new NDList(all.get(0).get("{}:{}", from, to), all.get(1).get("{}:{}", from, to));
                batch.attach(target);
                return batch;
            }
        };
    }
}
