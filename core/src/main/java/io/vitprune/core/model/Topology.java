package io.vitprune.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vitprune.api.InvalidInputException;
import java.util.Objects;

/**
 * The variants of the ViT architecture a model may be built in, each a setting rather than a fork
 * of the code. {@link #VIT_PYTORCH} is lucidrains' vit-pytorch ViT (methods.md section 1), the
 * topology of the bundled model; {@link #timm} is timm's and Hugging Face's {@code ViT} / DeiT.
 *
 * @param patchEmbedding how image patches become tokens
 * @param qkvBias whether the q, k and v projections have biases (pruned with their channels)
 * @param layerNormEps the epsilon of every LayerNorm
 * @param gelu the MLP's activation
 * @param layerScale whether each block scales its attention and MLP outputs per channel before the
 *     residual additions (LayerScale: timm's {@code ls1} / {@code ls2}, DeiT III, CaiT)
 * @param pooling what the head classifies
 * @param distillationToken whether a second learned token follows the class token (DeiT distilled:
 *     timm's {@code dist_token}), classified by a second head ({@code head_dist}) whose logits are
 *     averaged with the class token's; left out of the JSON when false, so that the configs of
 *     models saved before it existed keep their SHA-256
 */
public record Topology(PatchEmbedding patchEmbedding, boolean qkvBias, double layerNormEps, Gelu gelu, boolean layerScale, Pooling pooling,
                       @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean distillationToken) {
    public static final Topology VIT_PYTORCH = new Topology(PatchEmbedding.NORMED_LINEAR, false, 1e-5, Gelu.EXACT, false, Pooling.CLASS_TOKEN, false);

    /** What the head classifies: the class token after the final LayerNorm, or the mean of the patch tokens, then the LayerNorm (timm's fc_norm). */
    public enum Pooling { CLASS_TOKEN, AVERAGE }

    /** How image patches become tokens. */
    public enum PatchEmbedding {
        /** vit-pytorch: each patch flattened as (row, column, channel), then LayerNorm, Linear, LayerNorm. */
        NORMED_LINEAR,
        /** timm / Hugging Face: a convolution with kernel and stride the patch size, i.e. a Linear on patches flattened as (channel, row, column). */
        CONVOLUTION
    }

    /** The MLP's GELU: exact (erf) or the tanh approximation. */
    public enum Gelu { EXACT, TANH }

    public Topology {
        Objects.requireNonNull(patchEmbedding, "patch embedding is null");
        Objects.requireNonNull(gelu, "gelu is null");
        pooling = pooling == null ? Pooling.CLASS_TOKEN : pooling; // topologies written before pooling was a setting
        if (!(layerNormEps > 0 && layerNormEps < 1)) {
            throw new InvalidInputException("LayerNorm epsilon " + layerNormEps + ": expected a number in (0, 1)");
        }
        if (distillationToken && pooling != Pooling.CLASS_TOKEN) {
            throw new InvalidInputException("a distillation token with " + pooling + " pooling: expected class-token pooling (the two heads classify tokens 0 and 1)");
        }
    }

    /** Learned tokens before the patch tokens: the class token and, in a distilled model, the distillation token. */
    public int prefixTokens() {
        return distillationToken ? 2 : 1;
    }

    /** timm's ViT and DeiT (and Hugging Face's, whose LayerNorm epsilon is 1e-12). */
    public static Topology timm(double layerNormEps) {
        return new Topology(PatchEmbedding.CONVOLUTION, true, layerNormEps, Gelu.EXACT, false, Pooling.CLASS_TOKEN, false);
    }

    /** This topology with LayerScale or without. */
    public Topology withLayerScale(boolean scaled) {
        return new Topology(patchEmbedding, qkvBias, layerNormEps, gelu, scaled, pooling, distillationToken);
    }

    /** This topology with another pooling. */
    public Topology withPooling(Pooling other) {
        return new Topology(patchEmbedding, qkvBias, layerNormEps, gelu, layerScale, other, distillationToken);
    }

    /** This topology with a distillation token and its head, or without. */
    public Topology withDistillationToken(boolean distilled) {
        return new Topology(patchEmbedding, qkvBias, layerNormEps, gelu, layerScale, pooling, distilled);
    }
}
