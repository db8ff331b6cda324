package io.vitprune.strategies.latency;

import io.vitprune.api.SelectorFactory;
import io.vitprune.api.StrategyProvider;
import java.util.List;

/** The {@code latency} selector, found by ServiceLoader. */
public final class LatencyStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "latency";
    }

    @Override
    public List<SelectorFactory> selectors() {
        return List.of(new LatencySelectorFactory());
    }
}
