package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelector;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import java.util.List;

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
public final class TokenPrunedModel implements PrunableModel, AutoCloseable {
    private final VisionTransformer backbone;
    private final TokenPruning pruning;
    private final TokenStrategies strategies;
    private final TokenScorer scorer;
    private final TokenSelector selector;
    private final ScoredTokenReducer reducer;

    /**
     * A forward pass: logits, the tokens after the last block (batch, 1 + kept, dim), class token
     * first, and (when tracked) per stage the original patch indices (batch, kept) each image kept,
     * in the order of the tokens.
     */
    public record Pass(NDArray logits, NDArray tokens, List<NDArray> keptPatches) { }

    public TokenPrunedModel(VisionTransformer backbone, TokenPruning pruning, TokenStrategies strategies, TokenScorer scorer,
                            TokenSelector selector) {
        if (backbone.config().topology().pooling() != io.vitprune.core.model.Topology.Pooling.CLASS_TOKEN) {
            // Token pruning ranks and keeps tokens for the class token's sake; an average over kept tokens is another model.
            throw new io.vitprune.api.InvalidInputException("token pruning needs a model that classifies its class token: this one pools "
                    + backbone.config().topology().pooling());
        }
        this.backbone = requireNonNull(backbone, "backbone is null");
        this.pruning = requireNonNull(pruning, "pruning is null");
        this.strategies = requireNonNull(strategies, "strategies are null");
        this.scorer = requireNonNull(scorer, "scorer is null");
        this.selector = requireNonNull(selector, "selector is null");
        pruning.requireFits(backbone.structure().depth());
        this.reducer = new ScoredTokenReducer(pruning, backbone.config().patches(), scorer, strategies.scorer(), selector);
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

    public VisionTransformer backbone() {
        return backbone;
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

    @Override
    public ModelStructure structure() {
        return backbone.structure();
    }

    @Override
    public NDManager newScope() {
        NDManager scope = backbone.newScope();
        scorer.parameters().values().forEach(parameter -> parameter.getArray().tempAttach(scope));
        return scope;
    }

    @Override
    public NDArray weight(int block, ModelPart part) {
        return backbone.weight(block, part);
    }

    @Override
    public NDArray embed(NDArray images) {
        return backbone.embed(images);
    }

    @Override
    public NDArray block(int index, NDArray tokens, NDArray attentionMask, NDArray mlpMask) {
        return backbone.block(index, tokens, attentionMask, mlpMask);
    }

    @Override
    public NDArray classify(NDArray tokens) {
        return backbone.classify(tokens);
    }

    /** The token-pruned forward pass: images to logits, later blocks on the gathered kept tokens. */
    @Override
    public NDArray logits(NDArray images) {
        return forward(images, false).logits();
    }

    /** Like {@link #logits}, also returning which original patches each image kept at each stage (for pictures). */
    public Pass forward(NDArray images, boolean trackPatches) {
        ReducedForward.Pass pass = ReducedForward.forward(backbone, reducer, strategies.scorer(), images, trackPatches);
        List<NDArray> kept = trackPatches ? pruning.stages().stream().map(pass.patchesPerBlock()::get).toList() : List.of();
        return new Pass(pass.logits(), pass.tokens(), kept);
    }

    /** Tokens entering each block, class token included, at this pruning. */
    public int[] tokensPerBlock() {
        return ReducedForward.tokensPerBlock(backbone.config().patches(), backbone.structure().depth(), reducer)[0];
    }

    /** Parameters (backbone and scorer) and MACs per image (blocks on the kept tokens, plus scoring). */
    public ModelStats stats() {
        return ReducedForward.stats(backbone, reducer);
    }

    /** The scorer's parameters by name (empty for a scorer that learns nothing). */
    public java.util.Map<String, Parameter> scorerParameters() {
        return scorer.parameters();
    }

    @Override
    public void close() {
        try {
            scorer.close();
        } finally {
            backbone.close();
        }
    }
}
