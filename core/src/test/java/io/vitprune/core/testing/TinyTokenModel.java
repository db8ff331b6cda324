package io.vitprune.core.testing;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.TokenPruning;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A tiny ViT for token pruning: 16 patches (patch 8), dim 16, depth 4, 4 heads of 4; stages before blocks 1 and 2. */
public final class TinyTokenModel {
    public static final VitConfig CONFIG = new VitConfig(32, 8, 16, 4, 4, 4, 24, 10);
    public static final TokenPruning PRUNING = new TokenPruning(List.of(1, 2), 0.7);

    private TinyTokenModel() {
    }

    public static VisionTransformer model(long seed, NDManager manager) {
        return TestModels.random(CONFIG, CONFIG.initialStructure(), seed, manager);
    }

    /** Predictor weights of std 0.3 (the 0.02 initialisation gives near-equal scores, so near-ties would decide the test). */
    public static void randomize(Map<String, Parameter> parameters, long seed) {
        Random random = new Random(seed);
        parameters.values().forEach(parameter -> {
            float[] values = new float[(int) parameter.getArray().size()];
            for (int i = 0; i < values.length; i++) {
                values[i] = (parameter.getType() == Parameter.Type.GAMMA ? 1f : 0f) + 0.3f * (float) random.nextGaussian();
            }
            parameter.getArray().set(values);
        });
    }
}
