package io.vitprune.strategies.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.PluginJars;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A third-party plug-in, compiled here against the api alone and loaded from its own jar, is found
 * by the registry and works with the built-in selectors: adding a strategy edits nothing in vitprune.
 */
class ExternalPluginTest {
    /** The smallest plug-in (README): one scorer. */
    /** The smallest plug-in, as the README shows it: docs/plugin-example (one provider, one scorer). */
    static final String SMALLEST_PLUGIN = PluginJars.example();

    @TempDir
    Path temp;

    @Test
    void aPluginJarIsFoundAndComposesWithTheCoreSelectors() throws IOException {
        Path jar = PluginJars.build(temp, "random-plugin.jar", "com.example.vitprune.RandomPlugin", SMALLEST_PLUGIN);

        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, getClass().getClassLoader());
                NDManager manager = NDManager.newBaseManager();
                VisionTransformer model = TestModels.tiny(3, manager)) {
            StrategyRegistry registry = StrategyRegistry.load(loader);

            Registered<ScorerFactory> random = registry.scorers().stream()
                    .filter(r -> r.name().equals("random-fixture")).findFirst().orElseThrow();
            assertThat(random.provider()).isEqualTo("random-plugin");
            assertThat(random.source()).isEqualTo(jar.toString());
            assertThat(registry.scorers()).extracting(Registered::name).contains("weight-l1", "weight-l2");
            assertThat(registry.broken()).isEmpty();

            UnitScores scores = registry.scorer("random-fixture").create(StrategySettings.EMPTY)
                    .score(model, UnitKind.ATTENTION_CHANNEL, ScoringContext.dataFree(manager));
            PruningPlan plan = registry.selector("global").create(StrategySettings.EMPTY)
                    .select(scores, model.structure(), new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5));

            assertThat(plan.removedFraction(UnitKind.ATTENTION_CHANNEL)).isEqualTo(0.5);
            assertThat(plan.resultStructure().totalUnits(UnitKind.MLP_UNIT)).isEqualTo(model.structure().totalUnits(UnitKind.MLP_UNIT));
        }
    }

    @Test
    void twoPluginsOfferingOneNameMakeOnlyThatNameUnusableNamingBothJars() throws IOException {
        Path first = PluginJars.build(temp, "first.jar", "com.example.vitprune.RandomPlugin", SMALLEST_PLUGIN);
        Path second = PluginJars.build(temp, "second.jar", "com.example.vitprune.CopiedPlugin",
                SMALLEST_PLUGIN.replace("RandomPlugin", "CopiedPlugin").replace("RandomScorer", "CopiedScorer"));

        try (URLClassLoader loader = new URLClassLoader(new URL[] {first.toUri().toURL(), second.toUri().toURL()},
                getClass().getClassLoader())) {
            StrategyRegistry registry = StrategyRegistry.load(loader);
            assertThat(registry.scorer("weight-l1")).isNotNull();
            assertThatThrownBy(() -> registry.scorer("random-fixture"))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("scorer 'random-fixture' is offered twice")
                    .hasMessageContaining(first.toString())
                    .hasMessageContaining(second.toString());
        }
    }
}
