package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.vitprune.api.ModelPart;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.TokenPruning;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelector;
import io.vitprune.api.TokenStage;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import java.util.ArrayList;
import java.util.List;

/**
 * A backbone ViT with dynamic token pruning at inference (methods.md section 4.5): before each
 * stage's block a {@link TokenScorer} scores the patch tokens of every image, a
 * {@link TokenSelector} keeps the top {@code int(N * rho^s)}, and the kept tokens (class token
 * first) are gathered, so that the later blocks really run on fewer tokens. There is no masking at
 * inference: {@link #logits} is the cheap path.
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
        int patches = backbone.config().patches();
        NDArray x = backbone.embed(images);
        long batch = x.getShape().get(0);
        NDArray positions = trackPatches ? x.getManager().arange(0, patches, 1, DataType.INT64).reshape(1, patches).repeat(0, batch) : null;
        List<NDArray> kept = new ArrayList<>();
        NDArray classAttention = null;
        int depth = backbone.structure().depth();
        for (int b = 0; b < depth; b++) {
            int stage = pruning.stageBefore(b);
            if (stage >= 0) {
                TokenStage context = new TokenStage(stage, b, patches, x, null, classAttention);
                NDArray scores = scorer.score(context);
                int n = context.patchTokens();
                if (!scores.getShape().equals(new Shape(batch, n))) {
                    throw new IllegalStateException("token scorer '" + strategies.scorer() + "' returned scores of shape " + scores.getShape()
                            + ": expected (" + batch + ", " + n + ")");
                }
                int keep = Math.min(n, pruning.keep(patches, stage));
                if (keep < n) {
                    NDArray indices = selector.select(scores, keep).toType(DataType.INT64, false);
                    x = gather(x, indices);
                    if (positions != null) {
                        positions = positions.gather(indices, 1);
                    }
                }
                if (positions != null) {
                    kept.add(positions);
                }
            }
            boolean needsAttention = scorer.needsClassAttention() && pruning.stageBefore(b + 1) >= 0;
            if (needsAttention) {
                var pass = backbone.block(b, x, null, true);
                x = pass.tokens();
                classAttention = pass.classAttention();
            } else {
                x = backbone.block(b, x, null, null);
                classAttention = null;
            }
        }
        return new Pass(backbone.classify(x), x, kept);
    }

    /** Tokens (batch, 1 + n, dim) to (batch, 1 + keep, dim): the class token, then patch tokens {@code indices} (batch, keep). */
    static NDArray gather(NDArray tokens, NDArray patchIndices) {
        long batch = tokens.getShape().get(0);
        long dim = tokens.getShape().get(2);
        long keep = patchIndices.getShape().get(1);
        NDArray withClass = NDArrays.concat(new NDList(patchIndices.getManager().zeros(new Shape(batch, 1), DataType.INT64),
                patchIndices.add(1)), 1);
        return tokens.gather(withClass.reshape(batch, keep + 1, 1).repeat(2, dim), 1);
    }

    /** Tokens entering each block, class token included, at this pruning. */
    public int[] tokensPerBlock() {
        int patches = backbone.config().patches();
        int[] tokens = new int[backbone.structure().depth()];
        int current = patches;
        for (int b = 0; b < tokens.length; b++) {
            int stage = pruning.stageBefore(b);
            if (stage >= 0) {
                current = Math.min(current, pruning.keep(patches, stage));
            }
            tokens[b] = current + 1;
        }
        return tokens;
    }

    /** Parameters (backbone and scorer) and MACs per image (blocks on the kept tokens, plus scoring). */
    public ModelStats stats() {
        int patches = backbone.config().patches();
        int[] tokens = tokensPerBlock();
        long scorerMacs = 0;
        for (int s = 0; s < pruning.count(); s++) {
            int block = pruning.stages().get(s);
            int entering = block == 0 ? patches : tokens[block - 1] - 1;
            scorerMacs += scorer.macsPerImage(s, entering);
        }
        long scorerParameters = scorer.parameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
        return ModelStats.of(backbone.config(), backbone.structure(), tokens).plus(scorerParameters, scorerMacs);
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
