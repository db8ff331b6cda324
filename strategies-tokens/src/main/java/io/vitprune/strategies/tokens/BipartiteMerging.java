package io.vitprune.strategies.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReduction;
import io.vitprune.api.TokenState;

/**
 * ToMe's bipartite soft matching ({@code bipartite_soft_matching} of facebookresearch/ToMe), per
 * image, between a block's attention and its MLP: the patch tokens are split by position into A
 * (patches 1, 3, ...) and B (patches 0, 2, ...), as ToMe's alternate split of all tokens with the
 * class token first, protected in A, leaves them; each A token finds its most similar B token by the
 * cosine of their attention keys; the r A tokens with the most similar matches merge into them (the
 * host averages by size and runs proportional attention). The class token is in neither set, so it
 * is never merged.
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
        int inA = n / 2;
        int inB = (n + 1) / 2;
        NDArray keys = state.keys();
        long batch = keys.getShape().get(0);
        NDArray metric = keys.div(keys.norm(new int[] {-1}, true));
        NDArray a = metric.get(new NDIndex().addAllDim().addSliceDim(2, tokens, 2));
        NDArray b = metric.get(new NDIndex().addAllDim().addSliceDim(1, tokens, 2));
        NDArray similarity = a.matMul(b.transpose(0, 2, 1));
        NDArray match = similarity.argMax(-1).toType(DataType.INT64, false);
        NDArray order = similarity.max(new int[] {-1}).argSort(-1, false).toType(DataType.INT64, false);
        NDArray sources = order.get(new NDIndex().addAllDim().addSliceDim(0, r));
        NDArray unmerged = order.get(new NDIndex().addAllDim().addSliceDim(r, inA)).sort(-1); // in their original order, as ToMe keeps them
        NDArray bPatches = keys.getManager().arange(0, 2 * inB, 2, DataType.INT64).broadcast(batch, inB);
        NDArray kept = NDArrays.concat(new NDList(aRowsToPatches(unmerged), bPatches), 1);
        NDArray into = match.gather(sources, 1).add(inA - r);
        return TokenReduction.merge(kept, aRowsToPatches(sources), into);
    }

    /** A's row i is patch 2i + 1. */
    private static NDArray aRowsToPatches(NDArray rows) {
        return rows.mul(2).add(1);
    }

    @Override
    public long macsPerImage(TokenState.Point point, int block, int patchTokens) {
        if (point != TokenState.Point.BEFORE_MLP || merges(block, patchTokens) == 0) {
            return 0;
        }
        return (long) (patchTokens / 2) * ((patchTokens + 1) / 2) * structure.block(block).attentionWidth();
    }
}
