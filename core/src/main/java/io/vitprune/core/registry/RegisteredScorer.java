package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.util.Set;

/**
 * A plug-in's scorer as the registry hands it out: it knows its registry name (for the host's
 * messages) and refuses a kind its factory does not list, before the plug-in is called.
 */
public record RegisteredScorer(String name, Set<UnitKind> supportedKinds, Scorer scorer) implements Scorer {
    public RegisteredScorer {
        requireNonNull(name, "name is null");
        supportedKinds = Set.copyOf(supportedKinds);
        requireNonNull(scorer, "scorer is null");
    }

    @Override
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        if (!supportedKinds.contains(kind)) {
            throw new InvalidInputException("scorer '" + name + "' does not score " + kind.id() + ": it scores "
                    + supportedKinds.stream().map(UnitKind::id).sorted().toList());
        }
        return scorer.score(model, kind, context);
    }
}
