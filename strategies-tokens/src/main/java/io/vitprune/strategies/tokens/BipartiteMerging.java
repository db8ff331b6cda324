package io.vitprune.strategies.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReduction;
import io.vitprune.api.TokenState;
import java.util.Arrays;

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

    /**
     * The cosines come from the engine in one product; matching and ranking a few dozen rows per
     * image is done here, because as engine operations (argmax, max, argsort, slices, index
     * arithmetic) their calls cost more than the block they save at batch 1.
     */
    @Override
    public TokenReduction reduce(TokenState state) {
        int n = state.patchTokens();
        int r = merges(state.block(), n);
        int tokens = n + 1;
        int inA = n / 2;
        int inB = (n + 1) / 2;
        NDArray keys = state.keys();
        int batch = (int) keys.getShape().get(0);
        NDArray metric = keys.div(keys.norm(new int[] {-1}, true));
        NDArray a = metric.get(new NDIndex().addAllDim().addSliceDim(2, tokens, 2));
        NDArray b = metric.get(new NDIndex().addAllDim().addSliceDim(1, tokens, 2));
        float[] similarity = a.matMul(b.transpose(0, 2, 1)).toFloatArray();
        long[] kept = new long[batch * (n - r)];
        long[] merged = new long[batch * r];
        long[] into = new long[batch * r];
        for (int image = 0; image < batch; image++) {
            int[] match = new int[inA];
            float[] best = new float[inA];
            for (int row = 0; row < inA; row++) {
                int offset = (image * inA + row) * inB;
                for (int column = 1; column < inB; column++) {
                    if (similarity[offset + column] > similarity[offset + match[row]]) {
                        match[row] = column;
                    }
                }
                best[row] = similarity[offset + match[row]];
            }
            Integer[] ranked = new Integer[inA];
            Arrays.setAll(ranked, row -> row);
            Arrays.sort(ranked, (x, y) -> Float.compare(best[y], best[x]));
            int[] unmerged = Arrays.stream(ranked, r, inA).mapToInt(Integer::intValue).sorted().toArray(); // in their original order, as ToMe keeps them
            for (int k = 0; k < unmerged.length; k++) {
                kept[image * (n - r) + k] = aRowToPatch(unmerged[k]);
            }
            for (int k = 0; k < inB; k++) {
                kept[image * (n - r) + unmerged.length + k] = 2L * k;
            }
            for (int m = 0; m < r; m++) {
                merged[image * r + m] = aRowToPatch(ranked[m]);
                into[image * r + m] = unmerged.length + match[ranked[m]];
            }
        }
        NDManager manager = keys.getManager();
        return TokenReduction.merge(manager.create(kept, new Shape(batch, n - r)), manager.create(merged, new Shape(batch, r)),
                manager.create(into, new Shape(batch, r)));
    }

    /** A's row i is patch 2i + 1. */
    private static long aRowToPatch(int row) {
        return 2L * row + 1;
    }

    @Override
    public long macsPerImage(TokenState.Point point, int block, int patchTokens) {
        if (point != TokenState.Point.BEFORE_MLP || merges(block, patchTokens) == 0) {
            return 0;
        }
        return (long) (patchTokens / 2) * ((patchTokens + 1) / 2) * structure.block(block).attentionWidth();
    }
}
