package io.vitprune.strategies.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenStage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * {@code dynamicvit}: one learned {@link DynamicVitPredictor} per stage; a token's score is its
 * predicted log-probability of being kept. Parameters are named {@code predictor.stage<s>.<name>}.
 * Untrained (seeded initialisation) it ranks tokens by noise: train it with {@link DynamicVitTraining}.
 */
public final class DynamicVitScorer implements TokenScorer {
    static final String NAME = "dynamicvit";

    private final NDManager manager;
    private final List<DynamicVitPredictor> predictors = new ArrayList<>();
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();

    DynamicVitScorer(TokenScorerFactory.Setup setup) {
        requireNonNull(setup, "setup is null");
        int dim = setup.structure().dim();
        this.manager = setup.manager().newSubManager();
        Random random = new Random(setup.seed());
        try {
            for (int s = 0; s < setup.pruning().count(); s++) {
                DynamicVitPredictor predictor = new DynamicVitPredictor(String.format("predictor.stage%d.", s), dim, random, manager);
                predictors.add(predictor);
                parameters.putAll(predictor.parameters());
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** Log-probabilities (batch, n, 2) of keep (channel 0) and drop at {@code stage}. */
    NDArray logProbabilities(TokenStage stage) {
        return predictors.get(stage.stage()).logProbabilities(stage.tokens(), stage.policy());
    }

    @Override
    public NDArray score(TokenStage stage) {
        return logProbabilities(stage).get(new NDIndex(":, :, 0"));
    }

    @Override
    public Map<String, Parameter> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public long macsPerImage(int stage, int patchTokens) {
        return predictors.get(stage).macs(patchTokens);
    }

    @Override
    public void close() {
        manager.close();
    }
}
