package io.vitprune.strategies.distill.dynamicvit;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import org.junit.jupiter.api.Test;

/** The token strategies load through the production path: ServiceLoader, the registry, by name. */
class TokenStrategiesRegistryTest {
    @Test
    void theDistillProviderOffersTheTokenScorersAndTheTopKSelector() {
        StrategyRegistry registry = StrategyRegistry.load();
        assertThat(registry.tokenScorers()).extracting(Registered::name).contains("cls-attention", "dynamicvit");
        assertThat(registry.tokenSelectors()).extracting(Registered::name).contains("top-k");
        assertThat(registry.tokenScorers()).filteredOn(r -> r.name().equals("dynamicvit")).singleElement()
                .satisfies(r -> assertThat(r.provider()).isEqualTo("distill"))
                .satisfies(r -> assertThat(r.factory().learned()).isTrue());
        assertThat(registry.tokenScorer("cls-attention").learned()).isFalse();
    }
}
