package io.vitprune.strategies.weight;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelPart;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Weight magnitude (methods.md section 4.1, after VTP). A unit matters as much as the weights that
 * read it: attention channel j scores the norm of input column j of the attention output Linear,
 * MLP unit j that of input column j of the second MLP Linear. {@code include-qkv} adds the norms
 * of the rows that write channel j (rows j, inner + j and 2 inner + j of qkv), {@code include-input}
 * the norm of the row of the first MLP Linear that writes unit j; norms are added, not pooled. A
 * head scores the sum of its channels' scores.
 *
 * <p>Raw norms are comparable across blocks only as far as the blocks' weights have similar
 * scales, which pre-norm training keeps roughly so; a global selector can normalise per block.
 */
record WeightNormScorer(String name, Norm norm, boolean includeQkv, boolean includeInput) implements Scorer {
    static final Set<UnitKind> KINDS = Set.copyOf(EnumSet.of(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT));

    WeightNormScorer {
        requireNonNull(name, "name is null");
        requireNonNull(norm, "norm is null");
    }

    @Override
    @SuppressWarnings("try") // the scope is held for its side effect: the norms computed inside are freed with it
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        requireNonNull(model, "model is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(context, "context is null");
        List<float[]> perBlock = new ArrayList<>();
        // Every norm computed below belongs to the scope and is freed with it; the weights stay.
        try (NDManager scope = model.newScope()) {
            for (int b = 0; b < model.structure().depth(); b++) {
                perBlock.add(switch (kind) {
                    case ATTENTION_CHANNEL -> attentionChannels(model, b);
                    case ATTENTION_HEAD -> heads(model.structure().block(b), attentionChannels(model, b));
                    case MLP_UNIT -> mlpUnits(model, b);
                    case TOKEN -> throw new IllegalArgumentException("token scores: the host asks only for " + KINDS);
                });
            }
        }
        return new UnitScores(kind, perBlock);
    }

    private float[] attentionChannels(PrunableModel model, int block) {
        // ATTENTION_OUT_WEIGHT is (dim, inner): channel j is column j.
        NDArray scores = norm.along(model.weight(block, ModelPart.ATTENTION_OUT_WEIGHT), 0);
        if (includeQkv) {
            // QKV_WEIGHT is (3 * inner, dim): row norms as (3, inner), summed over q, k and v.
            NDArray rows = norm.along(model.weight(block, ModelPart.QKV_WEIGHT), 1);
            scores = scores.add(rows.reshape(3, -1).sum(new int[] {0}));
        }
        return scores.toFloatArray();
    }

    private float[] mlpUnits(PrunableModel model, int block) {
        // MLP_OUT_WEIGHT is (dim, mlp): unit j is column j; MLP_IN_WEIGHT is (mlp, dim): unit j is row j.
        NDArray scores = norm.along(model.weight(block, ModelPart.MLP_OUT_WEIGHT), 0);
        if (includeInput) {
            scores = scores.add(norm.along(model.weight(block, ModelPart.MLP_IN_WEIGHT), 1));
        }
        return scores.toFloatArray();
    }

    private static float[] heads(BlockStructure block, float[] channels) {
        int[] offsets = block.headOffsets();
        float[] heads = new float[block.heads()];
        for (int head = 0; head < heads.length; head++) {
            for (int channel = offsets[head]; channel < offsets[head + 1]; channel++) {
                heads[head] += channels[channel];
            }
        }
        return heads;
    }
}
