package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import java.util.List;

/** A named way to make a {@link TokenScorer}; offered by a {@link StrategyProvider}. */
public interface TokenScorerFactory {
    /** What a token scorer is made for: the model's structure, the pruning stages, where parameters live, a seed. */
    record Setup(ModelStructure structure, TokenPruning pruning, NDManager manager, long seed) {
        public Setup {
            requireNonNull(structure, "structure is null");
            requireNonNull(pruning, "pruning is null");
            requireNonNull(manager, "manager is null");
            pruning.requireFits(structure.depth());
        }
    }

    /** Unique name, e.g. {@code dynamicvit}. */
    String name();

    /** One line for listings. */
    String description();

    /** Whether the scorer has parameters that must be trained before it means anything (DynamicViT's predictors). */
    default boolean learned() {
        return false;
    }

    /** The settings this scorer accepts, each with its type, default and meaning; the host refuses others, and bad values, before {@code create}. */
    default List<SettingSpec> settings() {
        return List.of();
    }

    /**
     * A scorer for a model of {@code setup.structure()} pruned at {@code setup.pruning()}; a learned
     * scorer starts from an initialisation reproducible from {@code setup.seed()}, its parameters
     * in a sub-manager of {@code setup.manager()}.
     */
    TokenScorer create(StrategySettings settings, Setup setup);
}
