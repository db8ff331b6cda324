package io.vitprune.experiments;

import io.vitprune.api.TokenPruning;
import io.vitprune.strategies.tokens.DynamicVitSettings;
import java.util.List;
import picocli.CommandLine.Option;

/** The DynamicViT training recipe's options, shared by {@code train-tokens} and {@code experiment dynamicvit}. */
final class TokenOptions {
    @Option(names = "--stages", split = ",", description = "Blocks before which tokens are pruned (default: depth/3, 2 depth/3; 2,4 for depth 6).")
    List<Integer> stages;
    @Option(names = "--epochs", defaultValue = "5", description = "Training epochs of predictors and backbone (the paper: 30).")
    int epochs;
    @Option(names = "--batch-size", defaultValue = "128") int batchSize;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate of the predictors.") double learningRate;
    @Option(names = "--backbone-lr-scale", defaultValue = "0.01", description = "Backbone learning rate = lr x this.")
    double backboneScale;
    @Option(names = "--ratio-weight", defaultValue = "2.0") double ratioWeight;
    @Option(names = "--kl-weight", defaultValue = "0.5") double klWeight;
    @Option(names = "--token-weight", defaultValue = "0.5") double tokenWeight;
    @Option(names = "--label-smoothing", defaultValue = "0.1") double labelSmoothing;
    @Option(names = "--seed", defaultValue = "42") long seed;

    TokenPruning pruning(int depth, double rho) {
        return stages == null ? new TokenPruning(TokenPruning.defaults(depth).stages(), rho) : new TokenPruning(stages, rho);
    }

    DynamicVitSettings settings(int depth, double rho) {
        return new DynamicVitSettings(pruning(depth, rho), epochs, batchSize, learningRate, backboneScale, ratioWeight, klWeight, tokenWeight,
                labelSmoothing, seed);
    }
}
