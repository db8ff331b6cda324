package io.vitprune.core.select;

import ai.djl.ndarray.NDArray;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenSelector;
import io.vitprune.api.TokenSelectorFactory;

/**
 * {@code top-k}: per image, the {@code keep} patch tokens with the highest scores (ties to the lower
 * index, as libtorch's topk), returned in ascending token order so that kept tokens keep their
 * spatial order. DynamicViT's inference rule with keep = int(N * rho^s).
 */
public final class TopKSelector implements TokenSelector, TokenSelectorFactory {
    public static final String NAME = "top-k";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "keep the top int(N * rho^s) patch tokens per image by score (class token always kept)";
    }

    @Override
    public TokenSelector create(StrategySettings settings) {
        return this;
    }

    @Override
    public NDArray select(NDArray scores, int keep) {
        TokenSelector.requireKeep(scores, keep);
        return scores.topK(keep, -1, true, false).get(1).sort(-1);
    }
}
