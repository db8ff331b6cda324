package io.vitprune.api;

/** A weight of one transformer block, as DJL stores it (Linear weights are (out, in)). */
public enum ModelPart {
    /** (3 * inner, dim): rows [q | k | v], each in head order. */
    QKV_WEIGHT,
    /** (dim, inner). */
    ATTENTION_OUT_WEIGHT,
    /** (mlp, dim). */
    MLP_IN_WEIGHT,
    /** (mlp). */
    MLP_IN_BIAS,
    /** (dim, mlp). */
    MLP_OUT_WEIGHT
}
