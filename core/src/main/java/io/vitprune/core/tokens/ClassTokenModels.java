package io.vitprune.core.tokens;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.model.Topology;
import io.vitprune.core.model.VitConfig;

/**
 * Which models token reduction (pruning, merging, DynamicViT) can run on: those that classify their
 * class token alone. Reducers keep token 0 for the classifier and rank, drop or merge every other
 * token as a patch; an average over kept tokens, or a distillation token treated as a patch, would
 * make another model.
 */
public final class ClassTokenModels {
    private ClassTokenModels() {
    }

    /** Fails, naming {@code reducer} and what the model has instead, unless {@code config}'s model classifies its class token alone. */
    public static void require(VitConfig config, String reducer) {
        Topology topology = config.topology();
        if (topology.pooling() != Topology.Pooling.CLASS_TOKEN) {
            throw new InvalidInputException(reducer + " needs a model that classifies its class token: this one pools " + topology.pooling());
        }
        if (topology.distillationToken()) {
            throw new InvalidInputException(reducer + " needs a model that classifies its class token alone: this one has a distillation token "
                    + "(DeiT distilled), whose own head reads token 1, which reducers would take for a patch");
        }
    }
}
