package io.vitprune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The fp32 ONNX model computes vitprune's logits, for every shape of pruned model, at batch 1 and above. */
class OnnxExactnessTest {
    /** The bound; float32 reordering between libtorch and ONNX Runtime stays orders of magnitude below. */
    private static final float TOLERANCE = 1e-4f;
    /** A plan that changes the model must move some logit by more than this, or the comparison proves nothing. */
    private static final float CHANGED = 1e-2f;
    private static final int[] BATCHES = {1, 3};

    @TempDir
    Path directory;
    private NDManager manager;
    private VisionTransformer model;

    @BeforeEach
    void setUp() {
        manager = NDManager.newBaseManager();
        model = TestModels.tiny(7, manager);
    }

    @AfterEach
    void tearDown() {
        manager.close();
    }

    @Test
    void unprunedModel() throws IOException {
        assertExact(model, ExportOptions.defaults(), "unpruned");
    }

    @ParameterizedTest
    @EnumSource(HeadLayout.class)
    void raggedHeadsInEveryLayout(HeadLayout layout) throws IOException {
        assertPrunedExact(Plans::ragged, ExportOptions.defaults().withHeadLayout(layout), "ragged " + layout);
    }

    @Test
    void wholeHeadsRemoved() throws IOException {
        assertPrunedExact(Plans::wholeHeads, ExportOptions.defaults(), "whole heads");
    }

    @ParameterizedTest
    @EnumSource(HeadLayout.class)
    void singleChannelHeads(HeadLayout layout) throws IOException {
        assertPrunedExact(Plans::singleChannel, ExportOptions.defaults().withHeadLayout(layout), "single channel " + layout);
    }

    @ParameterizedTest
    @EnumSource(HeadLayout.class)
    void timmsTopologyWithRaggedHeads(HeadLayout layout) throws IOException {
        try (VisionTransformer timm = TestModels.tinyTimm(7, manager)) {
            assertExact(timm, ExportOptions.defaults().withHeadLayout(layout), "timm topology " + layout);
            try (VisionTransformer pruned = Surgery.apply(timm, Plans.ragged(timm.structure()), manager)) {
                assertExact(pruned, ExportOptions.defaults().withHeadLayout(layout), "timm topology, ragged " + layout);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(HeadLayout.class)
    void distilledDeitWithRaggedHeads(HeadLayout layout) throws IOException {
        try (VisionTransformer distilled = TestModels.tinyDistilled(7, manager)) {
            assertExact(distilled, ExportOptions.defaults().withHeadLayout(layout), "distilled " + layout);
            try (VisionTransformer pruned = Surgery.apply(distilled, Plans.ragged(distilled.structure()), manager)) {
                assertExact(pruned, ExportOptions.defaults().withHeadLayout(layout), "distilled, ragged " + layout);
            }
        }
    }

    @Test
    void mlpUnitsRemoved() throws IOException {
        assertPrunedExact(Plans::mlpUnits, ExportOptions.defaults(), "MLP units");
    }

    private void assertPrunedExact(Function<ModelStructure, PruningPlan> plan, ExportOptions options, String what) throws IOException {
        try (VisionTransformer pruned = Surgery.apply(model, plan.apply(model.structure()), manager)) {
            assertThat(pruned.structure()).as(what).isNotEqualTo(model.structure());
            for (int batch : BATCHES) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray images = TestModels.images(model.config(), batch, 42 + batch, scope);
                    assertThat(maxDifference(logits(model, images), logits(pruned, images)))
                            .as("%s: the plan must change the logits (batch %d)", what, batch).isGreaterThan(CHANGED);
                }
            }
            assertExact(pruned, options, what);
        }
    }

    /** Exports {@code model} once and compares ONNX Runtime's logits with the model's at every batch size. */
    private void assertExact(VisionTransformer exported, ExportOptions options, String what) throws IOException {
        Path file = directory.resolve("model.onnx");
        OnnxExport.write(exported, file, options);
        try (OnnxRuntimeModel onnx = OnnxRuntimeModel.open(file, 1)) {
            for (int batch : BATCHES) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray images = TestModels.images(exported.config(), batch, 42 + batch, scope);
                    float[] expected = logits(exported, images);
                    NDArray actual = onnx.logits(images);
                    assertThat(actual.getShape().getShape()).containsExactly(batch, exported.config().classes());
                    float difference = maxDifference(expected, actual.toFloatArray());
                    System.out.printf("OnnxExactnessTest: %s, batch %d: max |onnx - vitprune| = %.3g%n", what, batch, difference);
                    assertThat(difference)
                            .as("%s, batch %d: max |onnx - vitprune| over %d logits", what, batch, expected.length)
                            .isLessThan(TOLERANCE);
                }
            }
        }
    }

    private static float[] logits(VisionTransformer model, NDArray images) {
        try (NDManager scope = model.newScope()) {
            images.tempAttach(scope);
            return model.logits(images).toFloatArray();
        }
    }

    private static float maxDifference(float[] a, float[] b) {
        assertThat(a).hasSameSizeAs(b);
        float worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, Math.abs(a[i] - b[i]));
        }
        return worst;
    }
}
