package io.vitprune.core.model;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import java.util.Objects;

/**
 * Analytic size and cost of a ViT, from its config and (possibly pruned) structure.
 *
 * <p>{@code macsPerImage} counts the multiply-accumulates of the matrix products only (patch
 * embedding, qkv, attention scores, attention times values, attention output, both MLP layers and
 * the classifier head); LayerNorm, softmax, GELU, bias and residual additions are not counted,
 * being a few percent at most and not what pruning targets. FLOPs are about 2 x MACs.
 */
public record ModelStats(long parameters, long macsPerImage) {
    /** These statistics plus {@code parameters} and {@code macsPerImage} more (e.g. token predictors). */
    public ModelStats plus(long moreParameters, long moreMacs) {
        return new ModelStats(parameters + moreParameters, macsPerImage + moreMacs);
    }

    public static ModelStats of(VisionTransformer model) {
        return of(model.config(), model.structure());
    }

    public static ModelStats of(VitConfig config, ModelStructure structure) {
        int[] tokens = new int[structure.depth()];
        java.util.Arrays.fill(tokens, config.tokens());
        return of(config, structure, tokens);
    }

    /**
     * Parameters and MACs of a model whose block {@code b} runs on {@code tokensPerBlock[b]} tokens
     * (class token included), as after dynamic token pruning; the head runs on the class token only.
     */
    public static ModelStats of(VitConfig config, ModelStructure structure, int[] tokensPerBlock) {
        return of(config, structure, tokensPerBlock, tokensPerBlock);
    }

    /**
     * Parameters and MACs of a model whose block {@code b} runs its attention on
     * {@code attentionTokens[b]} tokens and its MLP on {@code mlpTokens[b]} (class token included),
     * as after token merging between a block's attention and its MLP.
     */
    public static ModelStats of(VitConfig config, ModelStructure structure, int[] attentionTokens, int[] mlpTokens) {
        Objects.requireNonNull(config, "config is null");
        Objects.requireNonNull(structure, "structure is null");
        config.requireCompatible(structure);
        if (attentionTokens.length != structure.depth() || mlpTokens.length != structure.depth()) {
            throw new IllegalArgumentException("tokens for " + attentionTokens.length + " and " + mlpTokens.length + " blocks: expected "
                    + structure.depth());
        }
        long dim = config.dim();
        long patchDim = config.patchDim();
        long tokens = config.tokens();
        long classes = config.classes();
        Topology topology = config.topology();
        // Patch LayerNorm (vit-pytorch only), patch Linear, embedding LayerNorm (vit-pytorch only), class (and distillation) token,
        // positions; final LayerNorm and one head (two in a distilled model).
        long patchNorms = topology.patchEmbedding() == Topology.PatchEmbedding.NORMED_LINEAR ? 2 * patchDim + 2 * dim : 0;
        long heads = topology.distillationToken() ? 2 : 1;
        long parameters = patchNorms + (patchDim * dim + dim) + topology.prefixTokens() * dim + tokens * dim + 2 * dim + heads * (dim * classes + classes);
        long macs = config.patches() * patchDim * dim + heads * dim * classes;
        for (int b = 0; b < structure.depth(); b++) {
            BlockStructure block = structure.block(b);
            long blockTokens = attentionTokens[b];
            long mlpBlockTokens = mlpTokens[b];
            long inner = block.attentionWidth();
            long mlp = block.mlpWidth();
            // Two LayerNorms, qkv (with a bias in some topologies), attention output, two MLP Linears.
            parameters += 4 * dim + dim * 3 * inner + (topology.qkvBias() ? 3 * inner : 0) + (inner * dim + dim) + (dim * mlp + mlp) + (mlp * dim + dim)
                    + (topology.layerScale() ? 2 * dim : 0);
            // qkv, q k^T, attention x v, output projection, two MLP Linears.
            macs += blockTokens * dim * 3 * inner + 2 * blockTokens * blockTokens * inner + blockTokens * inner * dim + 2 * mlpBlockTokens * dim * mlp;
        }
        return new ModelStats(parameters, macs);
    }
}
