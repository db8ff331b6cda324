package io.vitprune.strategies.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReduction;
import io.vitprune.api.TokenState;

/**
 * ToMe's bipartite soft matching ({@code bipartite_soft_matching} of facebookresearch/ToMe), per
 * image, between a block's attention and its MLP: the tokens, class token first, are split by
 * position into A (even: the class token, patches 1, 3, ...) and B (odd: patches 0, 2, ...); each A
 * token finds its most similar B token by the cosine of their attention keys; the r A tokens with
 * the most similar matches merge into them (the host averages by size and runs proportional
 * attention). The class token is protected: it never matches, so it is never merged.
 *
 * <p>The similarity uses the keys of all heads side by side, not ToMe's mean over heads, because
 * pruned heads may differ in width; with equal widths this is the cosine of the concatenated keys,
 * which differs from the cosine of the heads' mean key.
 */
final class BipartiteMerging implements TokenReducer {
    private final int[] rPerBlock;
    private final ModelStructure structure;

    BipartiteMerging(int[] rPerBlock, ModelStructure structure) {
        this.rPerBlock = rPerBlock.clone();
        this.structure = structure;
    }

    /** Pairs merged in {@code block} when {@code patchTokens} patch tokens enter it: r, at most half of them (B's size bounds it). */
    private int merges(int block, int patchTokens) {
        return Math.min(rPerBlock[block], patchTokens / 2);
    }

    @Override
    public int patchTokensAfter(TokenState.Point point, int block, int patchTokens) {
        return point == TokenState.Point.BEFORE_MLP ? patchTokens - merges(block, patchTokens) : patchTokens;
    }

    @Override
    public TokenReduction reduce(TokenState state) {
        int n = state.patchTokens();
        int r = merges(state.block(), n);
        int tokens = n + 1;
        int inA = (tokens + 1) / 2;
        int inB = tokens / 2;
        NDArray keys = state.keys();
        NDManager manager = keys.getManager();
        long batch = keys.getShape().get(0);
        NDArray metric = keys.div(keys.norm(new int[] {-1}, true));
        NDArray a = metric.get(new NDIndex().addAllDim().addSliceDim(0, tokens, 2));
        NDArray b = metric.get(new NDIndex().addAllDim().addSliceDim(1, tokens, 2));
        float[] protect = new float[inA];
        protect[0] = Float.NEGATIVE_INFINITY; // the class token, A's first, matches nothing
        NDArray similarity = a.matMul(b.transpose(0, 2, 1)).add(manager.create(protect).reshape(1, inA, 1));
        NDArray best = similarity.max(new int[] {-1});
        NDArray match = similarity.argMax(-1).toType(DataType.INT64, false);
        NDArray order = best.argSort(-1, false).toType(DataType.INT64, false);
        NDArray sources = order.get(new NDIndex(":, 0:{}", r));
        // The unmerged A tokens in their original order; the class token (row 0, ranked last) comes first and is dropped here: the host keeps it.
        NDArray unmerged = order.get(new NDIndex(":, {}:", r)).sort(-1).get(new NDIndex(":, 1:"));
        NDArray bPatches = manager.arange(0, 2 * inB, 2, DataType.INT64).reshape(1, inB).repeat(0, batch);
        NDArray kept = NDArrays.concat(new NDList(aRowsToPatches(unmerged), bPatches), 1);
        NDArray into = match.gather(sources, 1).add(inA - 1 - r);
        return TokenReduction.merge(kept, aRowsToPatches(sources), into);
    }

    /** A's row i is token 2i, which is patch 2i - 1. */
    private static NDArray aRowsToPatches(NDArray rows) {
        return rows.mul(2).sub(1);
    }

    @Override
    public long macsPerImage(TokenState.Point point, int block, int patchTokens) {
        if (point != TokenState.Point.BEFORE_MLP || merges(block, patchTokens) == 0) {
            return 0;
        }
        int tokens = patchTokens + 1;
        return (long) ((tokens + 1) / 2) * (tokens / 2) * structure.block(block).attentionWidth();
    }
}
