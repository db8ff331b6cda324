package io.vitprune.strategies.tokens;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenStage;

/**
 * {@code cls-attention}: a non-learned baseline (as in EViT): a patch token's score is the
 * attention the class token paid it in the block before the stage, averaged over heads. Needs no
 * training, so it shows what a learned predictor adds; it cannot score a stage before block 0.
 */
public final class ClassAttentionScorer implements TokenScorer, TokenScorerFactory {
    static final String NAME = "cls-attention";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "non-learned baseline: the class token's attention (mean over heads) in the block before the stage";
    }

    @Override
    public TokenScorer create(StrategySettings settings, Setup setup) {
        requireNoStageBeforeBlockZero(setup.pruning());
        return this;
    }

    static void requireNoStageBeforeBlockZero(TokenPruning pruning) {
        if (pruning.stages().get(0) == 0) {
            throw new InvalidInputException("token scorer '" + NAME + "' with stages " + pruning.stages()
                    + ": it scores with the attention of the block before each stage; expected stages >= 1");
        }
    }

    @Override
    public boolean needsClassAttention() {
        return true;
    }

    @Override
    public NDArray score(TokenStage stage) {
        NDArray attention = stage.classAttention();
        if (attention == null) {
            throw new IllegalStateException("token scorer '" + NAME + "' at the stage before block " + stage.block()
                    + " got no class-token attention: expected the block before the stage to report it");
        }
        return attention.get(new NDIndex(":, 1:"));
    }
}
