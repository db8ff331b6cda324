package io.vitprune.strategies.vtp;

import io.vitprune.api.ScorerFactory;
import io.vitprune.api.StrategyProvider;
import java.util.List;

/** VTP L1 channel gates (methods.md section 4.4). */
public final class VtpStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "vtp";
    }

    @Override
    public List<ScorerFactory> scorers() {
        return List.of(new VtpScorerFactory());
    }
}
