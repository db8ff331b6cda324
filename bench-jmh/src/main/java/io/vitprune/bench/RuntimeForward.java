package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.deploy.ExportOptions;
import io.vitprune.deploy.OnnxExport;
import io.vitprune.deploy.OnnxRuntimeModel;
import io.vitprune.deploy.Quantization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** One forward pass of a fixed batch on one runtime: what {@link RuntimeForwardBenchmark} times. */
interface RuntimeForward extends AutoCloseable {
    String LIBTORCH = "libtorch";
    String ONNXRUNTIME = "onnxruntime";
    String ONNXRUNTIME_INT8 = "onnxruntime-int8";
    List<String> ALL = List.of(LIBTORCH, ONNXRUNTIME, ONNXRUNTIME_INT8);

    /** Runs the batch; returns one logit, so that the work cannot be optimised away. */
    float run();

    /** Intra-op threads the runtime computes with. */
    int threads();

    @Override
    void close();

    /**
     * {@code model} (taken over: closed here or by the result) on {@code runtime}, fed {@code images}.
     * ONNX Runtime gets as many intra-op threads as libtorch has in effect, so that both runtimes
     * compute with the same cores; the exported file lives only until the session has read it.
     */
    static RuntimeForward open(String runtime, VisionTransformer model, NDArray images) {
        return switch (runtime) {
            case LIBTORCH -> new Libtorch(model, images);
            case ONNXRUNTIME -> onnx(model, images, Quantization.NONE);
            case ONNXRUNTIME_INT8 -> onnx(model, images, Quantization.DYNAMIC_INT8);
            default -> throw new InvalidInputException("benchmark parameter runtime = '" + runtime + "': expected one of " + ALL);
        };
    }

    private static RuntimeForward onnx(VisionTransformer model, NDArray images, Quantization quantization) {
        try (model) {
            Path file = Files.createTempFile("vitprune-runtime-bench", ".onnx");
            try {
                OnnxExport.write(model, file, ExportOptions.defaults().withQuantization(quantization));
                int threads = JniUtils.getNumThreads();
                return new OnnxRuntime(OnnxRuntimeModel.open(file, threads), images.toFloatArray(), (int) images.getShape().get(0), threads);
            } finally {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot export the benchmark model to ONNX", e);
        }
    }

    /** vitprune's own DJL forward; every intermediate array is freed with the call's scope. */
    record Libtorch(VisionTransformer model, NDArray images) implements RuntimeForward {
        @Override
        public float run() {
            return ForwardBenchmark.forward(model, images);
        }

        @Override
        public int threads() {
            return JniUtils.getNumThreads();
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** The exported graph in an ONNX Runtime session, fed the same images as float[] (the API's copy-in is part of the call). */
    record OnnxRuntime(OnnxRuntimeModel model, float[] pixels, int batch, int threads) implements RuntimeForward {
        @Override
        public float run() {
            return model.logits(pixels, batch)[0][0];
        }

        @Override
        public void close() {
            model.close();
        }
    }
}
