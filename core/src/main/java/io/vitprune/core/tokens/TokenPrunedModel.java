package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelector;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import java.util.List;
import java.util.Map;

/**
 * A backbone ViT with dynamic token pruning at inference (methods.md section 4.5): before each
 * stage's block a {@link TokenScorer} scores the patch tokens of every image, a
 * {@link TokenSelector} keeps the top {@code int(N * rho^s)}, and the kept tokens (class token
 * first) are gathered, so that the later blocks really run on fewer tokens. There is no masking at
 * inference: {@link #logits} is the cheap path. The pair runs as a token reducer
 * ({@link ScoredTokenReducer}) in the host's reduced forward pass, as every token reducer does.
 *
 * <p>Owns the backbone and the scorer: closing this model closes both. Compute inside
 * {@code try (NDManager scope = model.newScope())}. The staged {@link PrunableModel} methods are
 * the backbone's (unpruned); {@link #logits} is the token-pruned forward pass.
 */
public final class TokenPrunedModel extends ReducedBackbone {
    private final TokenPruning pruning;
    private final TokenStrategies strategies;
    private final TokenScorer scorer;
    private final TokenSelector selector;

    /**
     * A forward pass: logits, the tokens after the last block (batch, 1 + kept, dim), class token
     * first, and (when tracked) per stage the original patch indices (batch, kept) each image kept,
     * in the order of the tokens.
     */
    public record Pass(NDArray logits, NDArray tokens, List<NDArray> keptPatches) { }

    public TokenPrunedModel(VisionTransformer backbone, TokenPruning pruning, TokenStrategies strategies, TokenScorer scorer,
                            TokenSelector selector) {
        super(checked(backbone, pruning), new ScoredTokenReducer(pruning, backbone.config().patches(), requireNonNull(scorer, "scorer is null"),
                requireNonNull(strategies, "strategies are null").scorer(), requireNonNull(selector, "selector is null")), strategies.scorer());
        this.pruning = pruning;
        this.strategies = strategies;
        this.scorer = scorer;
        this.selector = selector;
    }

    private static VisionTransformer checked(VisionTransformer backbone, TokenPruning pruning) {
        requireNonNull(backbone, "backbone is null");
        requireNonNull(pruning, "pruning is null");
        ClassTokenModels.require(backbone.config(), "token pruning");
        pruning.requireFits(backbone.structure().depth());
        return backbone;
    }

    /**
     * Composes {@code backbone} with the registry's token scorer and selector named in
     * {@code strategies}; a learned scorer starts from its seeded initialisation. Owns the
     * backbone once built.
     */
    public static TokenPrunedModel compose(VisionTransformer backbone, TokenPruning pruning, TokenStrategies strategies,
                                           StrategyRegistry registry, long seed) {
        TokenScorerFactory scorerFactory = registry.tokenScorer(strategies.scorer());
        var selectorFactory = registry.tokenSelector(strategies.selector());
        TokenSelector selector = selectorFactory.create(strategies.selectorSettings());
        TokenScorer scorer = scorerFactory.create(strategies.scorerSettings(),
                new TokenScorerFactory.Setup(backbone.structure(), pruning, backbone.manager(), seed));
        return new TokenPrunedModel(backbone, pruning, strategies, scorer, selector);
    }

    public TokenPruning pruning() {
        return pruning;
    }

    public TokenStrategies strategies() {
        return strategies;
    }

    public TokenScorer scorer() {
        return scorer;
    }

    public TokenSelector selector() {
        return selector;
    }

    /** Like {@link #logits}, also returning which original patches each image kept at each stage (for pictures). */
    public Pass forward(NDArray images, boolean trackPatches) {
        ReducedForward.Pass pass = ReducedForward.forward(backbone, reducer, reducerName, images, trackPatches);
        List<NDArray> kept = trackPatches ? pruning.stages().stream().map(pass.patchesPerBlock()::get).toList() : List.of();
        return new Pass(pass.logits(), pass.tokens(), kept);
    }

    /** Tokens entering each block, class token included, at this pruning. */
    public int[] tokensPerBlock() {
        return ReducedForward.tokensPerBlock(backbone.config().patches(), backbone.structure().depth(), reducer)[0];
    }

    /** The scorer's parameters by name (empty for a scorer that learns nothing). */
    public Map<String, Parameter> scorerParameters() {
        return scorer.parameters();
    }
}
