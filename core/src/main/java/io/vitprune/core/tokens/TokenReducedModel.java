package io.vitprune.core.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReducerFactory;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;

/**
 * A backbone ViT (plain or channel-pruned) with a registered {@link TokenReducer} in its forward
 * pass, e.g. ToMe's token merging: composed by name, needs no training and is not saved (compose
 * it again from the backbone and the reducer's settings).
 *
 * <p>Owns the backbone and the reducer: closing this model closes both. Compute inside
 * {@code try (NDManager scope = model.newScope())}. The staged {@link PrunableModel} methods are
 * the backbone's; {@link #logits} is the reduced forward pass.
 */
public final class TokenReducedModel extends ReducedBackbone {
    private final StrategySettings settings;

    private TokenReducedModel(VisionTransformer backbone, String reducerName, StrategySettings settings, TokenReducer reducer) {
        super(backbone, reducer, reducerName);
        this.settings = settings;
    }

    /** Composes {@code backbone} with the registry's token reducer {@code reducer}; owns the backbone once built. */
    public static TokenReducedModel compose(VisionTransformer backbone, String reducer, StrategySettings settings, StrategyRegistry registry, long seed) {
        requireNonNull(backbone, "backbone is null");
        requireNonNull(reducer, "reducer is null");
        StrategySettings given = settings == null ? StrategySettings.EMPTY : settings;
        ClassTokenModels.require(backbone.config(), "token reducer '" + reducer + "'");
        TokenReducerFactory factory = registry.tokenReducer(reducer);
        TokenReducer made = factory.create(given, new TokenReducerFactory.Setup(backbone.structure(), backbone.config().patches(), backbone.manager(), seed));
        return new TokenReducedModel(backbone, reducer, given, made);
    }

    /** The reducer's registry name. */
    public String reducerName() {
        return reducerName;
    }

    public StrategySettings settings() {
        return settings;
    }

    /** Logits, the tokens after the last block (batch, 1 + n, dim), class token first, and their sizes (batch, 1 + n; null when nothing was merged). */
    public record Pass(NDArray logits, NDArray tokens, NDArray sizes) { }

    /** Like {@link #logits}, also returning the last tokens and their sizes. */
    public Pass forward(NDArray images) {
        ReducedForward.Pass pass = ReducedForward.forward(backbone, reducer, reducerName, images, false);
        return new Pass(pass.logits(), pass.tokens(), pass.sizes());
    }

    /** Tokens (class token included) entering each block's attention, then each block's MLP: {@code [attention[], mlp[]]}. */
    public int[][] tokensPerBlock() {
        return ReducedForward.tokensPerBlock(backbone.config().patches(), backbone.structure().depth(), reducer);
    }
}
