package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReduction;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenSelector;
import io.vitprune.api.TokenStage;
import io.vitprune.api.TokenState;
import java.util.Map;

/**
 * A {@link TokenScorer} and a {@link TokenSelector} as a {@link TokenReducer}: before each stage's
 * block the scorer scores the patch tokens, the selector keeps the top {@code int(N * rho^s)} and
 * the others are dropped (methods.md section 4.5).
 */
final class ScoredTokenReducer implements TokenReducer {
    private final TokenPruning pruning;
    private final int patches;
    private final TokenScorer scorer;
    private final String scorerName;
    private final TokenSelector selector;

    ScoredTokenReducer(TokenPruning pruning, int patches, TokenScorer scorer, String scorerName, TokenSelector selector) {
        this.pruning = requireNonNull(pruning, "pruning is null");
        this.patches = patches;
        this.scorer = requireNonNull(scorer, "scorer is null");
        this.scorerName = requireNonNull(scorerName, "scorer name is null");
        this.selector = requireNonNull(selector, "selector is null");
    }

    @Override
    public int patchTokensAfter(TokenState.Point point, int block, int patchTokens) {
        int stage = pruning.stageBefore(block);
        return point == TokenState.Point.BLOCK_INPUT && stage >= 0 ? Math.min(patchTokens, pruning.keep(patches, stage)) : patchTokens;
    }

    @Override
    public TokenReduction reduce(TokenState state) {
        int stage = pruning.stageBefore(state.block());
        NDArray scores = scorer.score(new TokenStage(stage, state.block(), patches, state.tokens(), null, state.classAttention()));
        long batch = state.tokens().getShape().get(0);
        int n = state.patchTokens();
        if (!scores.getShape().equals(new Shape(batch, n))) {
            throw new IllegalStateException("token scorer '" + scorerName + "' returned scores of shape " + scores.getShape()
                    + ": expected (" + batch + ", " + n + ")");
        }
        return TokenReduction.keep(selector.select(scores, patchTokensAfter(state.point(), state.block(), n)).toType(DataType.INT64, false));
    }

    @Override
    public boolean needsClassAttention(int block) {
        return scorer.needsClassAttention() && pruning.stageBefore(block) >= 0;
    }

    @Override
    public Map<String, Parameter> parameters() {
        return scorer.parameters();
    }

    @Override
    public long macsPerImage(TokenState.Point point, int block, int patchTokens) {
        int stage = pruning.stageBefore(block);
        return point == TokenState.Point.BLOCK_INPUT && stage >= 0 ? scorer.macsPerImage(stage, patchTokens) : 0;
    }

    @Override
    public void close() {
        scorer.close();
    }
}
