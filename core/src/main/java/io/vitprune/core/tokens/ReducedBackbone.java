package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.TokenReducer;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;

/**
 * A backbone ViT with a {@link TokenReducer} in its forward pass: the staged {@link PrunableModel}
 * methods are the backbone's (unreduced), {@link #logits} is the reduced forward pass. Owns both:
 * closing this model closes the reducer, then the backbone.
 */
abstract class ReducedBackbone implements PrunableModel, AutoCloseable {
    final VisionTransformer backbone;
    final TokenReducer reducer;
    final String reducerName;

    ReducedBackbone(VisionTransformer backbone, TokenReducer reducer, String reducerName) {
        this.backbone = requireNonNull(backbone, "backbone is null");
        this.reducer = requireNonNull(reducer, "reducer is null");
        this.reducerName = requireNonNull(reducerName, "reducer name is null");
    }

    public VisionTransformer backbone() {
        return backbone;
    }

    @Override
    public ModelStructure structure() {
        return backbone.structure();
    }

    @Override
    public NDManager newScope() {
        NDManager scope = backbone.newScope();
        reducer.parameters().values().forEach(parameter -> parameter.getArray().tempAttach(scope));
        return scope;
    }

    @Override
    public NDArray weight(int block, ModelPart part) {
        return backbone.weight(block, part);
    }

    @Override
    public NDArray embed(NDArray images) {
        return backbone.embed(images);
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return backbone.block(index, tokens, attentionMask, mlpMask);
    }

    @Override
    public NDArray classify(NDArray tokens) {
        return backbone.classify(tokens);
    }

    /** The reduced forward pass: images to logits, later blocks on the tokens the reducer leaves. */
    @Override
    public NDArray logits(NDArray images) {
        return ReducedForward.forward(backbone, reducer, reducerName, images, false).logits();
    }

    /** Parameters (backbone and reducer) and MACs per image (each block on the tokens it gets, plus the reducer's own). */
    public ModelStats stats() {
        return ReducedForward.stats(backbone, reducer);
    }

    @Override
    public void close() {
        try {
            reducer.close();
        } finally {
            backbone.close();
        }
    }
}
