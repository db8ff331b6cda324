package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.StrategySettings;

/** Which token scorer and selector (registry names, with their settings) a token-pruned model uses; saved with it. */
public record TokenStrategies(String scorer, StrategySettings scorerSettings, String selector, StrategySettings selectorSettings) {
    public TokenStrategies {
        requireNonNull(scorer, "scorer is null");
        requireNonNull(selector, "selector is null");
        scorerSettings = scorerSettings == null ? StrategySettings.EMPTY : scorerSettings;
        selectorSettings = selectorSettings == null ? StrategySettings.EMPTY : selectorSettings;
    }

    public static TokenStrategies of(String scorer, String selector) {
        return new TokenStrategies(scorer, StrategySettings.EMPTY, selector, StrategySettings.EMPTY);
    }
}
