package io.vitprune.deploy;

/** How the weights of the exported graph's matrix products are stored. */
public enum Quantization {
    /** float32 weights: the model's own arithmetic. */
    NONE,
    /**
     * int8 weights, one scale per output channel (symmetric, fixed at export), activations quantized
     * at run time: ONNX Runtime's {@code com.microsoft.DynamicQuantizeMatMul}. The attention core
     * (scores, weighted values) multiplies activations only and stays float32.
     */
    DYNAMIC_INT8
}
