package io.vitprune.deploy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.model.VitConfig;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * An exported vitprune model run by ONNX Runtime on the CPU. Threads are explicit, as for libtorch:
 * {@code threads} for the operators, one for scheduling them (sequential execution: the graph is
 * a chain), every graph optimization on (it fuses GELU, LayerNorm and the int8 MatMuls).
 * Thread-safe; must be closed.
 */
public final class OnnxRuntimeModel implements AutoCloseable {
    private final Path file;
    private final OrtEnvironment environment;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final Map<String, String> metadata;
    private final int imageSize;
    private final int classes;

    private OnnxRuntimeModel(Path file, OrtEnvironment environment, OrtSession.SessionOptions options, OrtSession session,
            Map<String, String> metadata) {
        this.file = file;
        this.environment = environment;
        this.options = options;
        this.session = session;
        this.metadata = Map.copyOf(metadata);
        this.imageSize = number(MetadataKeys.IMAGE_SIZE);
        this.classes = number(MetadataKeys.CLASSES);
    }

    /** Opens a file written by {@link OnnxExport}; fails naming the file when it is not one. */
    public static OnnxRuntimeModel open(Path file, int threads) {
        Objects.requireNonNull(file, "ONNX model path is null");
        if (threads < 1) {
            throw new InvalidInputException("ONNX Runtime threads " + threads + ": expected >= 1");
        }
        if (!Files.isRegularFile(file)) {
            throw new InvalidInputException("ONNX model " + file + " is not a file: expected a model written by vitprune export");
        }
        OrtEnvironment environment = OrtEnvironment.getEnvironment();
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        OrtSession session = null;
        try {
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = environment.createSession(file.toString(), options);
            Map<String, String> metadata = session.getMetadata().getCustomMetadata();
            if (!metadata.containsKey(MetadataKeys.IMAGE_SIZE) || !metadata.containsKey(MetadataKeys.CLASSES)) {
                throw new InvalidInputException("ONNX model " + file + " has no vitprune metadata (" + MetadataKeys.IMAGE_SIZE + ", "
                        + MetadataKeys.CLASSES + "): expected a model written by vitprune export");
            }
            return new OnnxRuntimeModel(file, environment, options, session, metadata);
        } catch (OrtException | RuntimeException e) {
            closeSession(session);
            options.close();
            if (e instanceof InvalidInputException invalid) {
                throw invalid;
            }
            throw new InvalidInputException("ONNX model " + file + " cannot be loaded by ONNX Runtime (expected a model written by vitprune "
                    + "export): " + e.getMessage(), e);
        }
    }

    /** The exported file's {@code metadata_props} (keys in {@link MetadataKeys}). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public int imageSize() {
        return imageSize;
    }

    public int classes() {
        return classes;
    }

    /** Logits (batch, classes) of normalised images (batch, 3, H, W), in the images' manager. */
    public NDArray logits(NDArray images) {
        Shape shape = images.getShape();
        if (shape.dimension() != 4) {
            throw invalidImages(shape.toString());
        }
        int batch = (int) shape.get(0);
        float[] flat = run(images.toFloatArray(), batch, shape.getShape());
        return images.getManager().create(flat, new Shape(batch, classes));
    }

    /** Logits [batch][classes] of normalised images given as (batch, 3, H, W) floats, row-major. */
    public float[][] logits(float[] pixels, int batch) {
        float[] flat = run(pixels, batch, new long[] {batch, VitConfig.CHANNELS, imageSize, imageSize});
        float[][] logits = new float[batch][];
        for (int i = 0; i < batch; i++) {
            logits[i] = Arrays.copyOfRange(flat, i * classes, (i + 1) * classes);
        }
        return logits;
    }

    private float[] run(float[] pixels, int batch, long[] shape) {
        long[] expected = {batch, VitConfig.CHANNELS, imageSize, imageSize};
        if (batch < 1 || !Arrays.equals(shape, expected) || pixels.length != batch * VitConfig.CHANNELS * imageSize * imageSize) {
            throw invalidImages(Arrays.toString(shape) + " (" + pixels.length + " values)");
        }
        try (OnnxTensor input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(pixels), shape);
                OrtSession.Result result = session.run(Map.of(VitGraph.INPUT, input))) {
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] logits = new float[out.remaining()];
            out.get(logits);
            return logits;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on " + file + ": " + e.getMessage(), e);
        }
    }

    private InvalidInputException invalidImages(String shape) {
        return new InvalidInputException("images of shape " + shape + ": expected (batch >= 1, 3, " + imageSize + ", " + imageSize
                + ") for ONNX model " + file);
    }

    private int number(String key) {
        try {
            return Integer.parseInt(metadata.get(key));
        } catch (NumberFormatException e) {
            throw new InvalidInputException("ONNX model " + file + " has metadata " + key + " = '" + metadata.get(key)
                    + "': expected a positive integer", e);
        }
    }

    @Override
    public void close() {
        closeSession(session);
        options.close();
    }

    private static void closeSession(OrtSession session) {
        if (session != null) {
            try {
                session.close();
            } catch (OrtException e) {
                throw new IllegalStateException("cannot close an ONNX Runtime session", e);
            }
        }
    }
}
