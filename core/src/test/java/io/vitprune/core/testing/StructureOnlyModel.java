package io.vitprune.core.testing;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;

/** A model that has a structure and nothing else: for scorers and hosts that read only the structure. */
public record StructureOnlyModel(ModelStructure structure) implements PrunableModel {
    @Override
    public NDManager newScope() {
        throw new UnsupportedOperationException("a structure-only model has no weights");
    }

    @Override
    public NDArray weight(int block, ModelPart part) {
        throw new UnsupportedOperationException("a structure-only model has no weights");
    }

    @Override
    public NDArray embed(NDArray images) {
        throw new UnsupportedOperationException("a structure-only model does not run");
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        throw new UnsupportedOperationException("a structure-only model does not run");
    }

    @Override
    public NDArray classify(NDArray tokens) {
        throw new UnsupportedOperationException("a structure-only model does not run");
    }
}
