package io.vitprune.bench;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.vitprune.deploy.OnnxExport;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Random;
import shade.com.google.protobuf.ByteString;

/**
 * ONNX Runtime's matrix product on one shape, with the node the exported model uses for a Linear
 * ({@code MatMul} of x (batch, tokens, in) with a constant W (in, out)) and the session settings of
 * {@code OnnxRuntimeModel}, so that a forward pass on ONNX Runtime can be set against the GEMM rate
 * of the same runtime, as {@link GemmBenchmark} does for libtorch.
 */
final class OnnxMatMul implements AutoCloseable {
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final OnnxTensor input;

    OnnxMatMul(int batch, int tokens, int in, int out, int threads) {
        Random random = new Random(7);
        try {
            OrtEnvironment environment = OrtEnvironment.getEnvironment();
            options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(threads);
            options.setInterOpNumThreads(1);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            session = environment.createSession(model(in, out, random).toByteArray(), options);
            float[] values = new float[batch * tokens * in];
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) random.nextGaussian();
            }
            input = OnnxTensor.createTensor(environment, FloatBuffer.wrap(values), new long[] {batch, tokens, in});
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime cannot run a MatMul of " + in + " x " + out, e);
        }
    }

    /** One product; returns one element, so that the work cannot be optimised away. */
    float run() {
        try (OrtSession.Result result = session.run(Map.of("x", input))) {
            return ((float[][][]) result.get(0).getValue())[0][0][0];
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime MatMul failed", e);
        }
    }

    @Override
    public void close() {
        input.close();
        try {
            session.close();
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session", e);
        } finally {
            options.close();
        }
    }

    private static ModelProto model(int in, int out, Random random) {
        ByteBuffer weights = ByteBuffer.allocate(in * out * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < in * out; i++) {
            weights.putFloat((float) random.nextGaussian());
        }
        weights.flip();
        GraphProto graph = GraphProto.newBuilder().setName("matmul")
                .addInitializer(TensorProto.newBuilder().setName("w").setDataType(TensorProto.DataType.FLOAT_VALUE).addDims(in).addDims(out)
                        .setRawData(ByteString.copyFrom(weights)))
                .addNode(NodeProto.newBuilder().setOpType("MatMul").setName("y").addInput("x").addInput("w").addOutput("y"))
                .addInput(value("x", "batch", "tokens", String.valueOf(in)))
                .addOutput(value("y", "batch", "tokens", String.valueOf(out)))
                .build();
        return ModelProto.newBuilder().setIrVersion(OnnxExport.IR_VERSION).setProducerName("vitprune-bench")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OnnxExport.OPSET)).setGraph(graph).build();
    }

    /** A float tensor of three axes, each a symbolic name or a size. */
    private static ValueInfoProto value(String name, String... axes) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (String axis : axes) {
            TensorShapeProto.Dimension.Builder dimension = TensorShapeProto.Dimension.newBuilder();
            if (axis.chars().allMatch(Character::isDigit)) {
                dimension.setDimValue(Long.parseLong(axis));
            } else {
                dimension.setDimParam(axis);
            }
            shape.addDim(dimension);
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }
}
