package io.vitprune.strategies.tokens;

import static io.vitprune.core.testing.TestModels.images;
import static io.vitprune.core.testing.TestModels.maxAbsDifference;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReducerFactory;
import io.vitprune.api.TokenReduction;
import io.vitprune.api.TokenState;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TinyTokenModel;
import io.vitprune.core.tokens.TokenReducedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * ToMe against a plain-Java reference written unit by unit from the paper and {@code tome/merge.py}:
 * the matching, the size-weighted merge, proportional attention (equal to attention over each token
 * repeated size times) and whole forward passes, on the tiny model and on a channel-pruned one
 * whose heads differ in width.
 */
class TokenMergingTest {
    static final StrategyRegistry REGISTRY = StrategyRegistry.load();

    @Test
    void theMatchingIsTheReferencesBipartiteSoftMatching() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int tokens : new int[] {17, 12}) {
                for (int r : new int[] {1, 3, 5}) {
                    float[][][] keys = randomKeys(3, tokens, 6, tokens * 10L + r);
                    TokenReducer tome = tome(StrategySettings.of("r", String.valueOf(r)), TinyTokenModel.model(1, manager));
                    TokenReduction reduction = tome.reduce(new TokenState(TokenState.Point.BEFORE_MLP, 0, 16, manager.zeros(new Shape(3, tokens, 16)),
                            null, manager.create(flatten(keys), new Shape(3, tokens, 6)), null));
                    for (int image = 0; image < 3; image++) {
                        Reference.Matching expected = Reference.match(keys[image], r);
                        assertThat(row(reduction.kept(), image)).as("kept, %d tokens, r %d", tokens, r).containsExactly(expected.kept());
                        assertThat(pairs(row(reduction.merged(), image), row(reduction.into(), image)))
                                .isEqualTo(pairs(expected.merged(), expected.into()));
                    }
                }
            }
        }
    }

    @Test
    void theClassTokenIsNeverMergedEvenWhenItsKeyIsTheClosest() {
        try (NDManager manager = NDManager.newBaseManager()) {
            float[][][] keys = randomKeys(1, 9, 4, 5);
            keys[0][0] = keys[0][1].clone(); // the class key equals patch 0's (B's first): the best match there could be
            TokenReducer tome = tome(StrategySettings.of("r", "4"), TinyTokenModel.model(1, manager));
            TokenReduction reduction = tome.reduce(new TokenState(TokenState.Point.BEFORE_MLP, 0, 8, manager.zeros(new Shape(1, 9, 16)), null,
                    manager.create(flatten(keys), new Shape(1, 9, 4)), null));
            // Patch indices only: the class token (which would read as -1) is neither kept here (the host keeps it) nor merged.
            assertThat(row(reduction.merged(), 0)).hasSize(4);
            assertThat(Arrays.stream(row(reduction.merged(), 0)).min().orElseThrow()).isGreaterThanOrEqualTo(0);
            assertThat(row(reduction.kept(), 0)).containsExactly(Reference.match(keys[0], 4).kept());
        }
    }

    @Test
    void proportionalAttentionEqualsAttentionOverEachTokenRepeatedSizeTimes() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (VisionTransformer model : List.of(TinyTokenModel.model(3, manager), ragged(TinyTokenModel.model(3, manager), manager))) {
                for (int batch : new int[] {1, 2}) { // a ragged model runs its heads padded at batch 1, grouped above
                    try (NDManager scope = model.newScope()) {
                        int[] sizes = {1, 3, 1, 2, 4, 1};
                        NDArray x = scope.randomNormal(new Shape(batch, sizes.length, 16));
                        float[] sizeValues = new float[batch * sizes.length];
                        for (int i = 0; i < sizeValues.length; i++) {
                            sizeValues[i] = sizes[i % sizes.length];
                        }
                        NDArray proportional = model.attend(1, x, scope.create(sizeValues, new Shape(batch, sizes.length)), false, false).tokens();
                        long[] repeated = IntStream.range(0, sizes.length).flatMap(t -> IntStream.range(0, sizes[t]).map(c -> t))
                                .mapToLong(t -> t).toArray();
                        long[] firstCopies = IntStream.range(0, sizes.length).mapToLong(t -> Arrays.stream(sizes).limit(t).sum()).toArray();
                        NDArray plain = model.attend(1, x.get(new ai.djl.ndarray.index.NDIndex(":, {}, :", scope.create(repeated))), null, false, false)
                                .tokens().get(new ai.djl.ndarray.index.NDIndex(":, {}, :", scope.create(firstCopies)));
                        assertThat(maxAbsDifference(proportional, plain)).as("batch %d", batch).isLessThan(1e-5f);
                        NDArray unweighted = model.attend(1, x, null, false, false).tokens();
                        assertThat(maxAbsDifference(proportional, unweighted)).as("the sizes change the output").isGreaterThan(1e-3f);
                    }
                }
                model.close();
            }
        }
    }

    @Test
    void aForwardPassEqualsTheReferencesMatchingAndMergeBlockByBlock() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (boolean pruned : new boolean[] {false, true}) {
                VisionTransformer backbone = TinyTokenModel.model(7, manager);
                VisionTransformer reference = pruned ? ragged(TinyTokenModel.model(7, manager), manager) : TinyTokenModel.model(7, manager);
                if (pruned) {
                    backbone = ragged(backbone, manager);
                }
                try (TokenReducedModel model = TokenReducedModel.compose(backbone, "tome", StrategySettings.of("r", "3"), REGISTRY, 0);
                     NDManager scope = model.newScope()) {
                    NDArray x = images(TinyTokenModel.CONFIG, 2, 8, scope);
                    TokenReducedModel.Pass pass = model.forward(x);
                    NDArray expected = referenceForward(reference, x, 3);
                    assertThat(maxAbsDifference(pass.logits(), expected)).as("pruned %s", pruned).isLessThan(1e-4f);
                    assertThat(pass.tokens().getShape()).isEqualTo(new Shape(2, 1 + 16 - 3 - 3 - 3 - 3, 16));
                    float[] sizes = pass.sizes().toFloatArray();
                    int tokens = (int) pass.sizes().getShape().get(1);
                    for (int image = 0; image < 2; image++) {
                        assertThat(sizes[image * tokens]).as("the class token's size").isEqualTo(1f);
                        double total = 0;
                        for (int t = 0; t < tokens; t++) {
                            total += sizes[image * tokens + t];
                        }
                        assertThat(total).as("sizes add up to the tokens").isEqualTo(17.0);
                    }
                    assertThat(maxAbsDifference(pass.logits(), reference.logits(x))).as("merging changes the logits").isGreaterThan(1e-3f);
                }
                reference.close();
            }
        }
    }

    @Test
    void atRZeroTheLogitsAreTheBackbonesExactly() {
        try (NDManager manager = NDManager.newBaseManager()) {
            for (boolean pruned : new boolean[] {false, true}) {
                VisionTransformer reference = pruned ? ragged(TinyTokenModel.model(2, manager), manager) : TinyTokenModel.model(2, manager);
                VisionTransformer backbone = pruned ? ragged(TinyTokenModel.model(2, manager), manager) : TinyTokenModel.model(2, manager);
                try (TokenReducedModel model = TokenReducedModel.compose(backbone, "tome", StrategySettings.of("r", "0"), REGISTRY, 0);
                     NDManager scope = model.newScope()) {
                    for (int batch : new int[] {1, 3}) {
                        NDArray x = images(TinyTokenModel.CONFIG, batch, 4, scope);
                        assertThat(maxAbsDifference(model.logits(x), reference.logits(x))).isEqualTo(0f);
                    }
                    assertThat(model.stats()).isEqualTo(io.vitprune.core.model.ModelStats.of(reference));
                }
                reference.close();
            }
        }
    }

    @Test
    void theAttentionAndMlpHalvesMakeTheBlockExactlyAndTheKeysAreEveryHeadsSideBySide() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = ragged(TinyTokenModel.model(9, manager), manager);
             NDManager scope = model.newScope()) {
            NDArray x = model.embed(images(TinyTokenModel.CONFIG, 2, 10, scope));
            for (int b = 0; b < model.structure().depth(); b++) {
                var attended = model.attend(b, x, null, true, false);
                assertThat(maxAbsDifference(model.feedForward(b, attended.tokens()), model.block(b, x, null, null))).isEqualTo(0f);
                int width = model.structure().block(b).attentionWidth();
                assertThat(attended.keys().getShape()).isEqualTo(new Shape(2, 17, width));
                // Token 5 of image 1 by hand: LayerNorm (eps 1e-5), then the key rows of the q/k/v weight (no bias in this topology).
                float[][][] tokens = unflatten(x);
                float[] token = tokens[1][5];
                double mean = 0;
                double variance = 0;
                for (float value : token) {
                    mean += value / 16.0;
                }
                for (float value : token) {
                    variance += (value - mean) * (value - mean) / 16.0;
                }
                String prefix = String.format("block%02d.", b);
                float[] gamma = model.namedParameters().get(prefix + "attn_norm_gamma").getArray().toFloatArray();
                float[] beta = model.namedParameters().get(prefix + "attn_norm_beta").getArray().toFloatArray();
                float[] qkv = model.namedParameters().get(prefix + "qkv_weight").getArray().toFloatArray();
                float[] keys = unflatten(attended.keys())[1][5];
                for (int k = 0; k < width; k++) {
                    double key = 0;
                    for (int c = 0; c < 16; c++) {
                        key += qkv[(width + k) * 16 + c] * ((token[c] - mean) / Math.sqrt(variance + 1e-5) * gamma[c] + beta[c]);
                    }
                    assertThat(keys[k]).as("block %d key channel %d", b, k).isCloseTo((float) key, org.assertj.core.data.Offset.offset(1e-4f));
                }
                x = model.block(b, x, null, null);
            }
        }
    }

    @Test
    void tokensAndMacsFollowTheScheduleAndTheHalfOfTheTokensBound() {
        assertThat(TokenMerging.perBlock(8, "decreasing", 6)).containsExactly(16, 12, 9, 6, 3, 0);
        assertThat(TokenMerging.perBlock(8, "constant", 3)).containsExactly(8, 8, 8);
        try (NDManager manager = NDManager.newBaseManager();
             TokenReducedModel model = TokenReducedModel.compose(TinyTokenModel.model(1, manager), "tome", StrategySettings.of("r", "4"), REGISTRY, 0)) {
            int[][] tokens = model.tokensPerBlock();
            assertThat(tokens[0]).containsExactly(17, 13, 9, 5);
            assertThat(tokens[1]).containsExactly(13, 9, 5, 3); // 4 patch tokens left in the last block: only 2 pairs
            var base = io.vitprune.core.model.ModelStats.of(model.backbone());
            assertThat(model.stats().macsPerImage()).isLessThan(base.macsPerImage());
            assertThat(model.stats().parameters()).isEqualTo(base.parameters());
        }
    }

    @Test
    void badSettingsAreRefusedNamingThem() {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TinyTokenModel.model(1, manager)) {
            assertThatThrownBy(() -> tome(StrategySettings.of("r", "-1"), model)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("tome").hasMessageContaining("r=-1").hasMessageContaining(">= 0");
            assertThatThrownBy(() -> tome(StrategySettings.of("schedule", "increasing"), model)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("schedule").hasMessageContaining("decreasing");
        }
    }

    /** The reference's forward pass: each block's attention half, then the reference's matching on its keys and merge, then its MLP half. */
    private static NDArray referenceForward(VisionTransformer model, NDArray images, int r) {
        NDManager manager = images.getManager();
        NDArray x = model.embed(images);
        int batch = (int) x.getShape().get(0);
        int dim = (int) x.getShape().get(2);
        float[][] sizes = new float[batch][17];
        for (float[] image : sizes) {
            Arrays.fill(image, 1f);
        }
        boolean merged = false;
        for (int b = 0; b < model.structure().depth(); b++) {
            int tokens = (int) x.getShape().get(1);
            float[] flatSizes = new float[batch * tokens];
            for (int i = 0; i < batch; i++) {
                System.arraycopy(sizes[i], 0, flatSizes, i * tokens, tokens);
            }
            var attended = model.attend(b, x, merged ? manager.create(flatSizes, new Shape(batch, tokens)) : null, true, false);
            float[][][] keys = unflatten(attended.keys());
            float[][][] features = unflatten(attended.tokens());
            int rb = Math.min(r, (tokens - 1) / 2);
            float[][][] next = new float[batch][][];
            for (int i = 0; i < batch; i++) {
                Reference.Matching matching = Reference.match(keys[i], rb);
                Reference.Merged result = Reference.merge(features[i], sizes[i], matching);
                next[i] = result.tokens();
                sizes[i] = result.sizes();
            }
            merged = merged || rb > 0;
            x = model.feedForward(b, manager.create(flatten(next), new Shape(batch, next[0].length, dim)));
        }
        return model.classify(x);
    }

    /** ToMe unit by unit, from the paper and tome/merge.py, on one image. */
    static final class Reference {
        record Matching(long[] kept, long[] merged, long[] into) { }

        record Merged(float[][] tokens, float[] sizes) { }

        /** Tokens (class first) split A = even, B = odd positions; A's class token never matches; the r best-matched A tokens merge. */
        static Matching match(float[][] keys, int r) {
            int tokens = keys.length;
            List<Integer> a = new ArrayList<>();
            List<Integer> b = new ArrayList<>();
            for (int t = 0; t < tokens; t++) {
                (t % 2 == 0 ? a : b).add(t);
            }
            double[] best = new double[a.size()];
            int[] match = new int[a.size()];
            best[0] = Double.NEGATIVE_INFINITY;
            for (int i = 1; i < a.size(); i++) {
                best[i] = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < b.size(); j++) {
                    double cosine = cosine(keys[a.get(i)], keys[b.get(j)]);
                    if (cosine > best[i]) {
                        best[i] = cosine;
                        match[i] = j;
                    }
                }
            }
            List<Integer> ranked = IntStream.range(1, a.size()).boxed().sorted(Comparator.comparingDouble((Integer i) -> -best[i])).toList();
            List<Integer> sources = ranked.subList(0, r);
            List<Integer> unmerged = ranked.subList(r, ranked.size()).stream().sorted().toList();
            List<Long> kept = new ArrayList<>();
            unmerged.forEach(i -> kept.add((long) a.get(i) - 1));
            b.forEach(t -> kept.add((long) t - 1));
            return new Matching(kept.stream().mapToLong(Long::longValue).toArray(), sources.stream().mapToLong(i -> a.get(i) - 1).toArray(),
                    sources.stream().mapToLong(i -> unmerged.size() + match[i]).toArray());
        }

        /** Class token, then the kept tokens, each the size-weighted average of itself and what merges into it; sizes add. */
        static Merged merge(float[][] x, float[] sizes, Matching matching) {
            int kept = matching.kept().length;
            int dim = x[0].length;
            double[][] sums = new double[1 + kept][dim];
            double[] total = new double[1 + kept];
            for (int k = 0; k <= kept; k++) {
                int token = k == 0 ? 0 : (int) matching.kept()[k - 1] + 1;
                total[k] = sizes[token];
                for (int c = 0; c < dim; c++) {
                    sums[k][c] = (double) sizes[token] * x[token][c];
                }
            }
            for (int m = 0; m < matching.merged().length; m++) {
                int token = (int) matching.merged()[m] + 1;
                int into = 1 + (int) matching.into()[m];
                total[into] += sizes[token];
                for (int c = 0; c < dim; c++) {
                    sums[into][c] += (double) sizes[token] * x[token][c];
                }
            }
            float[][] tokens = new float[1 + kept][dim];
            float[] newSizes = new float[1 + kept];
            for (int k = 0; k <= kept; k++) {
                newSizes[k] = (float) total[k];
                for (int c = 0; c < dim; c++) {
                    tokens[k][c] = (float) (sums[k][c] / total[k]);
                }
            }
            return new Merged(tokens, newSizes);
        }

        private static double cosine(float[] u, float[] v) {
            double dot = 0;
            double uu = 0;
            double vv = 0;
            for (int c = 0; c < u.length; c++) {
                dot += (double) u[c] * v[c];
                uu += (double) u[c] * u[c];
                vv += (double) v[c] * v[c];
            }
            return dot / Math.sqrt(uu) / Math.sqrt(vv);
        }
    }

    private static TokenReducer tome(StrategySettings settings, VisionTransformer model) {
        return REGISTRY.tokenReducer("tome").create(settings, new TokenReducerFactory.Setup(model.structure(), 16, model.manager(), 0));
    }

    /** The model with heads of widths 4, 3, 2 and 1 in block 1 and 3 (heads ordered by surgery), its others whole. */
    private static VisionTransformer ragged(VisionTransformer model, NDManager manager) {
        List<BlockPlan> blocks = new ArrayList<>();
        for (int b = 0; b < model.structure().depth(); b++) {
            int[] attention = b % 2 == 1 ? new int[] {0, 1, 2, 3, 4, 5, 6, 8, 9, 12} : IntStream.range(0, 16).toArray();
            blocks.add(new BlockPlan(attention, IntStream.range(0, 24).toArray()));
        }
        VisionTransformer pruned = Surgery.apply(model, new PruningPlan(model.structure(), blocks), manager);
        assertThat(pruned.structure().block(1).headWidths()).containsExactlyInAnyOrder(4, 3, 2, 1);
        model.close();
        return pruned;
    }

    private static float[][][] randomKeys(int batch, int tokens, int width, long seed) {
        Random random = new Random(seed);
        float[][][] keys = new float[batch][tokens][width];
        for (float[][] image : keys) {
            for (float[] key : image) {
                for (int c = 0; c < width; c++) {
                    key[c] = (float) random.nextGaussian();
                }
            }
        }
        return keys;
    }

    private static float[] flatten(float[][][] values) {
        int rows = values[0].length;
        int width = values[0][0].length;
        float[] flat = new float[values.length * rows * width];
        for (int i = 0; i < values.length; i++) {
            for (int t = 0; t < rows; t++) {
                System.arraycopy(values[i][t], 0, flat, (i * rows + t) * width, width);
            }
        }
        return flat;
    }

    private static float[][][] unflatten(NDArray array) {
        Shape shape = array.getShape();
        int batch = (int) shape.get(0);
        int rows = (int) shape.get(1);
        int width = (int) shape.get(2);
        float[] flat = array.toFloatArray();
        float[][][] values = new float[batch][rows][width];
        for (int i = 0; i < batch; i++) {
            for (int t = 0; t < rows; t++) {
                System.arraycopy(flat, (i * rows + t) * width, values[i][t], 0, width);
            }
        }
        return values;
    }

    private static long[] row(NDArray array, int image) {
        return array.get(image).toLongArray();
    }

    /** (merged, into) pairs, sorted: which token goes where, whatever order they come in. */
    private static List<String> pairs(long[] merged, long[] into) {
        return IntStream.range(0, merged.length).mapToObj(i -> merged[i] + "->" + into[i]).sorted().toList();
    }
}
