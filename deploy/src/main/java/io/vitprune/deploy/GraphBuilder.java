package io.vitprune.deploy;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import shade.com.google.protobuf.ByteString;

/**
 * The nodes and initializers of one ONNX graph. Every node has one output, named like the node;
 * small integer and scalar constants are shared by value.
 */
final class GraphBuilder {
    /** ONNX Runtime's contrib operators (the dynamic int8 MatMul). */
    static final String CONTRIB_DOMAIN = "com.microsoft";

    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> constants = new HashMap<>();
    private boolean usesContribOps;

    /** Adds a node of the default ONNX domain; returns its output. */
    String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
        return add(op, "", name, inputs, attributes);
    }

    /** Adds a node of ONNX Runtime's contrib domain; returns its output. */
    String contribNode(String op, String name, List<String> inputs) {
        usesContribOps = true;
        return add(op, CONTRIB_DOMAIN, name, inputs);
    }

    private String add(String op, String domain, String name, List<String> inputs, AttributeProto... attributes) {
        claim(name);
        graph.addNode(NodeProto.newBuilder().setOpType(op).setDomain(domain).setName(name)
                .addAllInput(inputs).addOutput(name).addAllAttribute(Arrays.asList(attributes)));
        return name;
    }

    /** A float32 initializer of shape {@code dims}; returns its name. */
    String floats(String name, float[] values, long... dims) {
        ByteBuffer bytes = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        bytes.asFloatBuffer().put(values);
        return initializer(name, TensorProto.DataType.FLOAT, ByteString.copyFrom(bytes), dims);
    }

    /** An int8 initializer of shape {@code dims}; returns its name. */
    String int8s(String name, byte[] values, long... dims) {
        return initializer(name, TensorProto.DataType.INT8, ByteString.copyFrom(values), dims);
    }

    /** A shared 1-D int64 constant (shapes, axes, slice bounds). */
    String int64s(long... values) {
        String key = "const/i64/" + LongStream.of(values).mapToObj(Long::toString).collect(Collectors.joining("_"));
        return constants.computeIfAbsent(key, name -> {
            ByteBuffer bytes = ByteBuffer.allocate(values.length * Long.BYTES).order(ByteOrder.LITTLE_ENDIAN);
            bytes.asLongBuffer().put(values);
            return initializer(name, TensorProto.DataType.INT64, ByteString.copyFrom(bytes), values.length);
        });
    }

    /** A shared float32 scalar constant. */
    String scalar(float value) {
        return constants.computeIfAbsent("const/f32/" + Float.toHexString(value), name -> floats(name, new float[] {value}));
    }

    private String initializer(String name, TensorProto.DataType type, ByteString raw, long... dims) {
        claim(name);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .addAllDims(LongStream.of(dims).boxed().toList()).setRawData(raw));
        return name;
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalStateException("ONNX value '" + name + "' is defined twice");
        }
    }

    boolean usesContribOps() {
        return usesContribOps;
    }

    GraphProto.Builder graph() {
        return graph;
    }

    static AttributeProto attribute(String name, long value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build();
    }

    static AttributeProto attribute(String name, float value) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build();
    }

    static AttributeProto attribute(String name, long... values) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS)
                .addAllInts(LongStream.of(values).boxed().toList()).build();
    }
}
