package io.vitprune.core.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReduction;
import io.vitprune.api.TokenState;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.TransformerBlock;
import io.vitprune.core.model.VisionTransformer;
import java.util.ArrayList;
import java.util.List;

/**
 * The forward pass of a backbone with a {@link TokenReducer}: at each block's input and between its
 * attention and its MLP the reducer may keep, drop or merge patch tokens; the host applies the
 * reduction (class token first, never reduced), keeps the tokens' sizes and runs proportional
 * attention once a token was merged. A block where nothing is reduced and nothing was merged runs
 * the backbone's own block, so a reducer that does nothing gives the backbone's logits exactly.
 */
final class ReducedForward {
    /**
     * Logits, the tokens after the last block (batch, 1 + n, dim), their sizes (null when nothing was
     * merged) and, when tracked, per block the original patch index of each patch token entering its
     * attention (batch, n): for a merged token, the one it was merged into.
     */
    record Pass(NDArray logits, NDArray tokens, NDArray sizes, List<NDArray> patchesPerBlock) { }

    /** Tokens in flight: features, sizes (null while all 1), original patch indices (null unless tracked). */
    private record Tokens(NDArray x, NDArray sizes, NDArray positions) { }

    private ReducedForward() {
    }

    static Pass forward(VisionTransformer backbone, TokenReducer reducer, String reducerName, NDArray images, boolean trackPatches) {
        int patches = backbone.config().patches();
        NDArray embedded = backbone.embed(images);
        long batch = embedded.getShape().get(0);
        Tokens tokens = new Tokens(embedded, null,
                trackPatches ? embedded.getManager().arange(0, patches, 1, DataType.INT64).reshape(1, patches).repeat(0, batch) : null);
        List<NDArray> perBlock = new ArrayList<>();
        NDArray classAttention = null;
        int depth = backbone.structure().depth();
        for (int b = 0; b < depth; b++) {
            tokens = reduce(tokens, new TokenState(TokenState.Point.BLOCK_INPUT, b, patches, tokens.x(), tokens.sizes(), null, classAttention),
                    reducer, reducerName);
            if (trackPatches) {
                perBlock.add(tokens.positions());
            }
            int n = (int) tokens.x().getShape().get(1) - 1;
            boolean mergesHere = reducer.patchTokensAfter(TokenState.Point.BEFORE_MLP, b, n) < n;
            boolean classAttentionNext = b + 1 < depth && reducer.needsClassAttention(b + 1);
            if (!mergesHere && tokens.sizes() == null && !classAttentionNext) {
                tokens = new Tokens(backbone.block(b, tokens.x(), null, null), null, tokens.positions());
                classAttention = null;
                continue;
            }
            TransformerBlock.Attended attended = backbone.attend(b, tokens.x(), tokens.sizes(), mergesHere, classAttentionNext);
            classAttention = attended.classAttention();
            tokens = new Tokens(attended.tokens(), tokens.sizes(), tokens.positions());
            if (mergesHere) {
                tokens = reduce(tokens, new TokenState(TokenState.Point.BEFORE_MLP, b, patches, tokens.x(), tokens.sizes(), attended.keys(), null),
                        reducer, reducerName);
            }
            tokens = new Tokens(backbone.feedForward(b, tokens.x()), tokens.sizes(), tokens.positions());
        }
        return new Pass(backbone.classify(tokens.x()), tokens.x(), tokens.sizes(), perBlock);
    }

    private static Tokens reduce(Tokens tokens, TokenState state, TokenReducer reducer, String reducerName) {
        int n = state.patchTokens();
        int keep = reducer.patchTokensAfter(state.point(), state.block(), n);
        if (keep >= n) {
            return tokens;
        }
        TokenReduction reduction = reducer.reduce(state);
        long batch = tokens.x().getShape().get(0);
        if (reduction == null || !reduction.kept().getShape().equals(new Shape(batch, keep))
                || reduction.merged() != null && (reduction.merged().getShape().dimension() != 2 || reduction.merged().getShape().get(0) != batch
                || reduction.merged().getShape().get(1) > n - keep)) {
            throw new IllegalStateException("token reducer '" + reducerName + "' at " + state.point() + " of block " + state.block()
                    + " returned " + (reduction == null ? "no reduction" : "kept " + reduction.kept().getShape()
                    + (reduction.merged() == null ? "" : ", merged " + reduction.merged().getShape()))
                    + ": expected kept (" + batch + ", " + keep + ") and at most " + (n - keep) + " merged per image");
        }
        NDArray positions = tokens.positions() == null ? null : tokens.positions().gather(reduction.kept().toType(DataType.INT64, false), 1);
        if (reduction.merged() == null) {
            NDArray kept = withClassToken(reduction.kept().toType(DataType.INT64, false));
            return new Tokens(gatherTokens(tokens.x(), kept), tokens.sizes() == null ? null : tokens.sizes().gather(kept, 1), positions);
        }
        return merge(tokens, reduction, positions, state, reducerName);
    }

    /**
     * Size-weighted averages as one product: row k of the (batch, 1 + k, tokens) weights holds, for
     * kept token k and for each token merged into it, its size over their total, which is the kept
     * token's new size. The weights are made on the host from the indices because at tens of tokens
     * the arithmetic is negligible and each call into the engine is not: gathering, one-hot and
     * scaling as engine operations made token merging slower than the whole model at batch 1.
     */
    private static Tokens merge(Tokens tokens, TokenReduction reduction, NDArray positions, TokenState state, String reducerName) {
        NDArray x = tokens.x();
        int batch = (int) x.getShape().get(0);
        int before = (int) x.getShape().get(1);
        int keep = (int) reduction.kept().getShape().get(1);
        int after = keep + 1;
        int merges = (int) reduction.merged().getShape().get(1);
        long[] kept = reduction.kept().toType(DataType.INT64, false).toLongArray();
        long[] merged = reduction.merged().toType(DataType.INT64, false).toLongArray();
        long[] into = reduction.into().toType(DataType.INT64, false).toLongArray();
        float[] sizes = tokens.sizes() == null ? null : tokens.sizes().toFloatArray();
        float[] newSizes = new float[batch * after];
        int[] source = new int[batch * (after + merges)]; // per image: the token of each kept row, then of each merged one
        int[] target = new int[source.length]; // the row each of them lands in
        for (int image = 0; image < batch; image++) {
            int base = image * (after + merges);
            source[base] = 0;
            for (int k = 0; k < keep; k++) {
                source[base + 1 + k] = 1 + patch(kept[image * keep + k], before, "kept", state, reducerName);
                target[base + 1 + k] = 1 + k;
            }
            for (int m = 0; m < merges; m++) {
                source[base + after + m] = 1 + patch(merged[image * merges + m], before, "merged", state, reducerName);
                target[base + after + m] = 1 + (int) checked(into[image * merges + m], keep, "into", state, reducerName);
            }
            for (int i = base; i < base + after + merges; i++) {
                newSizes[image * after + target[i]] += sizes == null ? 1f : sizes[image * before + source[i]];
            }
        }
        float[] weights = new float[batch * after * before];
        for (int i = 0; i < source.length; i++) {
            int image = i / (after + merges);
            float size = sizes == null ? 1f : sizes[image * before + source[i]];
            weights[(image * after + target[i]) * before + source[i]] += size / newSizes[image * after + target[i]];
        }
        NDManager manager = x.getManager();
        NDArray averaging = manager.create(weights, new Shape(batch, after, before)).toType(x.getDataType(), false);
        return new Tokens(averaging.matMul(x), manager.create(newSizes, new Shape(batch, after)).toType(x.getDataType(), false), positions);
    }

    private static int patch(long index, int tokens, String what, TokenState state, String reducerName) {
        return (int) checked(index, tokens - 1, what, state, reducerName);
    }

    private static long checked(long index, int bound, String what, TokenState state, String reducerName) {
        if (index < 0 || index >= bound) {
            throw new IllegalStateException("token reducer '" + reducerName + "' at " + state.point() + " of block " + state.block()
                    + " returned " + what + " index " + index + ": expected 0.." + (bound - 1));
        }
        return index;
    }

    /** Patch token indices (batch, k) as token indices with the class token first (batch, 1 + k). */
    private static NDArray withClassToken(NDArray patchIndices) {
        long batch = patchIndices.getShape().get(0);
        return NDArrays.concat(new NDList(patchIndices.getManager().zeros(new Shape(batch, 1), DataType.INT64), patchIndices.add(1)), 1);
    }

    /** Tokens (batch, t, dim) at token indices (batch, k): (batch, k, dim). */
    private static NDArray gatherTokens(NDArray tokens, NDArray indices) {
        long batch = tokens.getShape().get(0);
        long dim = tokens.getShape().get(2);
        long k = indices.getShape().get(1);
        return tokens.gather(indices.reshape(batch, k, 1).repeat(2, dim), 1);
    }

    /** Patch tokens entering each block's attention and its MLP (class token included) as {@code reducer} reduces them. */
    static int[][] tokensPerBlock(int patches, int depth, TokenReducer reducer) {
        int[] attention = new int[depth];
        int[] mlp = new int[depth];
        int n = patches;
        for (int b = 0; b < depth; b++) {
            n = Math.min(n, reducer.patchTokensAfter(TokenState.Point.BLOCK_INPUT, b, n));
            attention[b] = n + 1;
            n = Math.min(n, reducer.patchTokensAfter(TokenState.Point.BEFORE_MLP, b, n));
            mlp[b] = n + 1;
        }
        return new int[][] {attention, mlp};
    }

    /** Parameters (backbone and reducer) and MACs per image (blocks on the tokens they get, plus deciding the reductions). */
    static ModelStats stats(VisionTransformer backbone, TokenReducer reducer) {
        int patches = backbone.config().patches();
        int depth = backbone.structure().depth();
        int[][] tokens = tokensPerBlock(patches, depth, reducer);
        long reducerMacs = 0;
        for (int b = 0; b < depth; b++) {
            int entering = b == 0 ? patches : tokens[1][b - 1] - 1;
            reducerMacs += reducer.macsPerImage(TokenState.Point.BLOCK_INPUT, b, entering);
            reducerMacs += reducer.macsPerImage(TokenState.Point.BEFORE_MLP, b, tokens[0][b] - 1);
        }
        long reducerParameters = reducer.parameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        return ModelStats.of(backbone.config(), backbone.structure(), tokens[0], tokens[1]).plus(reducerParameters, reducerMacs);
    }
}
