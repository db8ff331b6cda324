package io.vitprune.strategies.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import org.junit.jupiter.api.Test;

/** The token strategies load through the production path: ServiceLoader, the registry, by name. */
class TokenStrategiesRegistryTest {
    @Test
    void theTokensProviderOffersTheTokenScorersAndCoreTheTopKSelector() {
        StrategyRegistry registry = StrategyRegistry.load();
        assertThat(registry.tokenScorers()).extracting(Registered::name).contains("cls-attention", "dynamicvit");
        assertThat(registry.tokenSelectors()).filteredOn(r -> r.name().equals("top-k")).singleElement()
                .satisfies(r -> assertThat(r.provider()).isEqualTo("core"));
        assertThat(registry.tokenScorers()).filteredOn(r -> r.name().equals("dynamicvit")).singleElement()
                .satisfies(r -> assertThat(r.provider()).isEqualTo("tokens"))
                .satisfies(r -> assertThat(r.factory().learned()).isTrue());
        assertThat(registry.tokenScorer("cls-attention").learned()).isFalse();
    }
}
