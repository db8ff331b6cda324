package io.vitprune.api;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * The view of a ViT that strategies work on: its structure, its block weights, and a forward pass
 * in stages so that ablation scorers can mask units and reuse the activations before a block.
 *
 * <p>Masks multiply units: an attention mask has one value per inner channel of the block and
 * applies to q, k and v; an MLP mask has one value per hidden unit and applies after GELU. A mask
 * of shape (units) applies to every image, one of shape (batch, units) to each image separately.
 * Masking a unit with 0 computes exactly what the model computes once the unit is removed.
 *
 * <p>Arrays computed from the model's weights belong to the model's manager unless a scope is
 * open: do every computation inside {@code try (NDManager scope = model.newScope()) { ... }}, which
 * closes every temporary with the scope and leaves the weights in place.
 */
public interface PrunableModel {
    ModelStructure structure();

    /**
     * A manager that holds the model's weights until it is closed, so that every array computed
     * from them is freed with it. Keep what must outlive it by attaching it to another manager.
     */
    NDManager newScope();

    /** The live weight array (do not close it). */
    NDArray weight(int block, ModelPart part);

    /** Images (batch, 3, H, W), normalised, to tokens (batch, 1 + patches, dim). */
    NDArray embed(NDArray images);

    /** One block; either mask may be null (keep every unit). */
    NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask);

    /** Tokens after the last block to class logits (batch, classes). */
    NDArray classify(NDArray tokens);

    /** Full forward pass without masks: images to logits. */
    default NDArray logits(NDArray images) {
        NDArray tokens = embed(images);
        for (int b = 0; b < structure().depth(); b++) {
            tokens = block(b, tokens, null, null);
        }
        return classify(tokens);
    }
}
