package io.vitprune.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.testing.TestModels;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Gradients must not depend on garbage collection between the forward and the backward pass: a
 * scalar operand that autograd keeps must not live on a Java buffer the collector can free (see
 * {@link io.vitprune.core.model.Scalars}). Without that, this gave wrong gradients within a few repeats.
 */
class GradientGcTest {
    @Test
    void aCollectionBetweenForwardAndBackwardLeavesTheGradientsUnchanged() throws InterruptedException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(3, manager)) {
            Map<String, Parameter> parameters = model.namedParameters();
            parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
            Map<String, float[]> first = gradients(model, parameters, false);
            for (int r = 0; r < 10; r++) {
                Map<String, float[]> again = gradients(model, parameters, true);
                int repeat = r;
                first.forEach((name, values) -> assertThat(again.get(name)).as("repeat " + repeat + " " + name).containsExactly(values));
            }
        }
    }

    private static Map<String, float[]> gradients(VisionTransformer model, Map<String, Parameter> parameters, boolean collect)
            throws InterruptedException {
        Map<String, float[]> gradients = new LinkedHashMap<>();
        try (NDManager scope = model.newScope()) {
            NDArray images = TestModels.images(model.config(), 8, 1, scope);
            try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                NDArray loss = model.logits(images).square().sum();
                if (collect) {
                    System.gc(); // frees the direct buffers of closed arrays (through their cleaner)
                    Thread.sleep(20);
                    try (NDManager churn = NDManager.newBaseManager()) {
                        for (int i = 0; i < 200; i++) {
                            churn.create(new float[] {Float.NaN}); // reuses freed memory
                        }
                    }
                }
                collector.backward(loss);
            }
            parameters.forEach((name, p) -> {
                NDArray gradient = p.getArray().getGradient();
                gradients.put(name, gradient.toFloatArray());
                gradient.subi(gradient);
            });
        }
        return gradients;
    }
}
