package io.vitprune.strategies.weight;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.UnitKind;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The weight scorers load the way production loads them: through the registry. */
class WeightStrategiesTest {
    @Test
    void theRegistryFindsTheWeightAndCoreProviders() throws Exception {
        StrategyRegistry registry = StrategyRegistry.load();

        assertThat(registry.broken()).isEmpty();
        assertThat(registry.scorers()).filteredOn(r -> r.provider().equals("weight"))
                .extracting(Registered::name).containsExactly("weight-l1", "weight-l2");
        assertThat(registry.selectors()).filteredOn(r -> r.provider().equals("core"))
                .extracting(Registered::name).containsExactly("global", "uniform");
        Registered<?> l1 = registry.scorers().stream().filter(r -> r.name().equals("weight-l1")).findFirst().orElseThrow();
        assertThat(Path.of(l1.source())).isEqualTo(Path.of(WeightStrategies.class.getProtectionDomain().getCodeSource().getLocation().toURI()));
        assertThat(registry.scorer("weight-l2").supportedKinds())
                .containsExactlyInAnyOrder(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT);
    }

    @Test
    void anUnknownScorerListsTheAvailableOnes() {
        assertThatThrownBy(() -> StrategyRegistry.load().scorer("weight-l3"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageStartingWith("unknown scorer 'weight-l3': available: ")
                .hasMessageContaining("weight-l1, weight-l2");
    }
}
