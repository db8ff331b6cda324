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
    public static ModelStats of(VisionTransformer model) {
        return of(model.config(), model.structure());
    }

    public static ModelStats of(VitConfig config, ModelStructure structure) {
        Objects.requireNonNull(config, "config is null");
        Objects.requireNonNull(structure, "structure is null");
        config.requireCompatible(structure);
        long dim = config.dim();
        long patchDim = config.patchDim();
        long tokens = config.tokens();
        long classes = config.classes();
        // Patch LayerNorm, patch Linear, embedding LayerNorm, class token, positions; final LayerNorm and head.
        long parameters = 2 * patchDim + (patchDim * dim + dim) + 2 * dim + dim + tokens * dim + 2 * dim + (dim * classes + classes);
        long macs = config.patches() * patchDim * dim + dim * classes;
        for (BlockStructure block : structure.blocks()) {
            long inner = block.attentionWidth();
            long mlp = block.mlpWidth();
            // Two LayerNorms, qkv (no bias), attention output, two MLP Linears.
            parameters += 4 * dim + dim * 3 * inner + (inner * dim + dim) + (dim * mlp + mlp) + (mlp * dim + dim);
            // qkv, q k^T, attention x v, output projection, two MLP Linears.
            macs += tokens * dim * 3 * inner + 2 * tokens * tokens * inner + tokens * inner * dim + 2 * tokens * dim * mlp;
        }
        return new ModelStats(parameters, macs);
    }
}
