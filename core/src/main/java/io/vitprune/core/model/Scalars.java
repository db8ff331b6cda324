package io.vitprune.core.model;

import ai.djl.ndarray.NDArray;

/**
 * Scalar operands for arithmetic that gradients flow through. Use {@code x.mul(Scalars.of(x, c))},
 * not {@code x.mul(c)}, wherever autograd records the operation (mul, div, maximum, minimum, pow):
 * DJL's number overloads wrap the number in a tensor on a Java direct buffer and close it at once,
 * but autograd keeps that tensor for the backward pass, which then reads memory the garbage
 * collector may already have freed (sporadically wrong or NaN gradients, depending on GC timing).
 * Here the scalar lives in {@code like}'s manager (the training step's scope) until the step ends.
 */
public final class Scalars {
    private Scalars() {
    }

    /** {@code value} as a float32 scalar array in {@code like}'s manager. */
    public static NDArray of(NDArray like, float value) {
        return like.getManager().create(value);
    }
}
