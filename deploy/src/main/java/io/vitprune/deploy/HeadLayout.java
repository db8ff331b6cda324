package io.vitprune.deploy;

/**
 * How the attention heads of a block with heads of several widths are laid out in the graph. All
 * three compute the model's output exactly; they differ in the number and size of the products.
 */
public enum HeadLayout {
    /** One batched product per run of equal-width heads, as the model's grouped execution runs them. */
    GROUPED,
    /**
     * Every head zero-padded to the block's widest, all heads in one batched product. The padding is
     * done on the weights at export time (zero q, k and v rows, zero output columns), so the graph
     * has no gathers, and zero channels add exactly nothing.
     */
    PADDED,
    /** One product per head. */
    PER_HEAD
}
