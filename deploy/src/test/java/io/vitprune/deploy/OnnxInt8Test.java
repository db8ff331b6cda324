package io.vitprune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dynamic int8: every weight product quantized, logits close to fp32, the same classes, a smaller file. */
class OnnxInt8Test {
    private static final int IMAGES = 64;

    @TempDir
    Path directory;

    @Test
    void int8LogitsStayCloseToFloat32AndPickTheSameClasses() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(7, manager);
                VisionTransformer pruned = Surgery.apply(model, Plans.ragged(model.structure()), manager)) {
            Path fp32 = directory.resolve("fp32.onnx");
            Path int8 = directory.resolve("int8.onnx");
            OnnxExport.write(pruned, fp32, ExportOptions.defaults());
            OnnxExport.write(pruned, int8, ExportOptions.defaults().withQuantization(Quantization.DYNAMIC_INT8));
            NDArray images = TestModels.images(model.config(), IMAGES, 5, manager);
            float[][] expected;
            float[][] actual;
            try (OnnxRuntimeModel reference = OnnxRuntimeModel.open(fp32, 1); OnnxRuntimeModel quantized = OnnxRuntimeModel.open(int8, 1)) {
                expected = reference.logits(images.toFloatArray(), IMAGES);
                actual = quantized.logits(images.toFloatArray(), IMAGES);
                assertThat(quantized.metadata()).containsEntry(MetadataKeys.QUANTIZATION, "DYNAMIC_INT8");
            }
            float range = 0;
            float worst = 0;
            int agree = 0;
            for (int i = 0; i < IMAGES; i++) {
                for (int c = 0; c < expected[i].length; c++) {
                    range = Math.max(range, Math.abs(expected[i][c]));
                    worst = Math.max(worst, Math.abs(expected[i][c] - actual[i][c]));
                }
                agree += argmax(expected[i]) == argmax(actual[i]) ? 1 : 0;
            }
            System.out.printf("OnnxInt8Test: max |int8 - fp32| = %.3g of max |fp32 logit| %.3g; top-1 agreement %d / %d; file %d -> %d bytes%n",
                    worst, range, agree, IMAGES, Files.size(fp32), Files.size(int8));
            assertThat(worst).as("int8 quantization must change the logits somewhat, or the weights were not quantized").isGreaterThan(1e-4f);
            // Activations are quantized per tensor to 256 levels, through every product of two blocks of this
            // deliberately large-weighted model (5% measured); a wrong scale or layout moves logits by their own size
            // (a 15% scale error alone gave 30%).
            assertThat(worst / range).as("largest int8 error relative to the largest logit").isLessThan(0.1f);
            assertThat(agree).as("images whose top-1 class int8 keeps").isGreaterThanOrEqualTo(IMAGES * 9 / 10);
            // About 60% of this tiny model's bytes are product weights (the rest: positions, LayerNorms, biases).
            assertThat(Files.size(int8)).isLessThan(Files.size(fp32) * 7 / 10);
        }
    }

    @Test
    void everyWeightProductIsQuantizedAndTheAttentionCoreIsNot() throws IOException {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(7, manager)) {
            var onnx = OnnxExport.toOnnx(model, ExportOptions.defaults().withQuantization(Quantization.DYNAMIC_INT8));
            var nodes = onnx.getGraph().getNodeList();
            // Per block: qkv, attention out, MLP in, MLP out; plus the patch embedding and the head.
            int depth = model.structure().depth();
            assertThat(nodes.stream().filter(n -> n.getOpType().equals("DynamicQuantizeMatMul"))).hasSize(4 * depth + 2)
                    .allSatisfy(n -> assertThat(n.getDomain()).isEqualTo(GraphBuilder.CONTRIB_DOMAIN));
            // Scores and weighted values, one each per group of heads (one group per block unpruned).
            assertThat(nodes.stream().filter(n -> n.getOpType().equals("MatMul"))).hasSize(2 * depth);
            assertThat(onnx.getOpsetImportList()).anySatisfy(opset -> assertThat(opset.getDomain()).isEqualTo(GraphBuilder.CONTRIB_DOMAIN));
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            best = values[i] > values[best] ? i : best;
        }
        return best;
    }
}
