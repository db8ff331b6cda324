package io.vitprune.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenStage;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * {@code fixture-linear}: a learned token scorer for core's own tests (score = patch token x one
 * weight vector per stage), so that token-pruned models, their saving and their statistics are
 * tested without a strategy module. Registered only on core's test classpath.
 */
public final class LinearTokenScorer implements TokenScorer {
    public static final String NAME = "fixture-linear";

    private final NDManager manager;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final int dim;

    private LinearTokenScorer(TokenScorerFactory.Setup setup) {
        dim = setup.structure().dim();
        manager = setup.manager().newSubManager();
        Random random = new Random(setup.seed());
        for (int s = 0; s < setup.pruning().count(); s++) {
            float[] values = new float[dim];
            for (int i = 0; i < dim; i++) {
                values[i] = (float) random.nextGaussian();
            }
            Parameter weight = Parameter.builder().setName("stage" + s + ".weight").setType(Parameter.Type.WEIGHT).build();
            weight.setArray(manager.create(values));
            parameters.put(weight.getName(), weight);
        }
    }

    @Override
    public NDArray score(TokenStage stage) {
        NDArray patches = stage.tokens().get(new NDIndex(":, 1:, :"));
        return patches.matMul(parameters.get("stage" + stage.stage() + ".weight").getArray().reshape(dim, 1)).squeeze(-1);
    }

    @Override
    public Map<String, Parameter> parameters() {
        return parameters;
    }

    @Override
    public long macsPerImage(int stage, int patchTokens) {
        return (long) patchTokens * dim;
    }

    @Override
    public void close() {
        manager.close();
    }

    /** Its factory; learned, so that token model stores save and check its parameters. */
    public static final class Factory implements TokenScorerFactory {
        @Override
        public String name() {
            return NAME;
        }

        @Override
        public String description() {
            return "test fixture: patch token x a learned vector per stage";
        }

        @Override
        public boolean learned() {
            return true;
        }

        @Override
        public TokenScorer create(StrategySettings settings, Setup setup) {
            return new LinearTokenScorer(setup);
        }
    }
}
