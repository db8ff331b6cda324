package io.vitprune.cli;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.StrategySettings;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenReducedModel;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** A token reducer composed by name with a plain or channel-pruned model, e.g. {@code --tokens tome --token-setting r=8}. */
final class TokenReducerOptions {
    @Option(names = "--tokens", description = "Token reducer to run in the model's forward pass, by registry name (e.g. tome: token merging; "
            + "'strategies' lists them with their settings).")
    String reducer;

    @Option(names = "--token-setting", description = "Token reducer setting key=value (repeatable), e.g. r=8, schedule=decreasing.")
    Map<String, String> settings = new LinkedHashMap<>();

    boolean given() {
        return reducer != null;
    }

    /** Fails unless a reducer is named when settings are given. */
    void requireConsistent() {
        if (reducer == null && !settings.isEmpty()) {
            throw new InvalidInputException("--token-setting " + settings + " without --tokens: expected a token reducer, e.g. --tokens tome");
        }
    }

    /** {@code backbone} with the reducer; owns it once built. */
    TokenReducedModel compose(VisionTransformer backbone, StrategyRegistry registry) {
        return TokenReducedModel.compose(backbone, reducer, new StrategySettings(settings), registry, 0);
    }

    /** Fails naming the reducer: {@code where} does not run token reducers. */
    void refuse(String where) {
        if (reducer != null) {
            throw new InvalidInputException("--tokens " + reducer + ": " + where + "; nothing was written");
        }
    }

    @Override
    public String toString() {
        return reducer + (settings.isEmpty() ? "" : " " + settings);
    }
}
