package io.vitprune.core.reliability;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringCheckpoints;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import java.util.Optional;

/**
 * The split-half reliability of a scorer: score the model on each of two disjoint halves of the
 * scoring set (every second image, {@link ScoringHalf}) and compare the rankings
 * ({@link SplitHalfReliability}). Only data-driven scorers can differ between halves; a
 * data-free one is reproducible by construction, so hosts ask {@link #ifDataDriven}.
 *
 * <p>Cost: two scorings of half the set, for ablation scorers as much as one scoring of the whole
 * set (a learned scorer trains twice). The halves score with seeds {@code seed} and {@code seed + 1},
 * so randomness a scorer draws from its seed counts as unreliability too, and keep their partial
 * results apart from the full scoring's, under names prefixed {@code split-half-1-} and {@code split-half-2-}.
 */
public final class SplitHalf {
    private SplitHalf() {
    }

    /** The reliability of {@code scorer}'s scores, or nothing when its factory needs no data or the context has none. */
    public static Optional<SplitHalfReliability> ifDataDriven(ScorerFactory factory, Scorer scorer, PrunableModel model, UnitKind kind,
            ScoringContext context) {
        requireNonNull(factory, "factory is null");
        if (!factory.needsData() || context.data().isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(measure(scorer, model, kind, context));
    }

    /** The reliability of {@code scorer}'s scores of {@code kind} on the two halves of the context's scoring data. */
    public static SplitHalfReliability measure(Scorer scorer, PrunableModel model, UnitKind kind, ScoringContext context) {
        requireNonNull(scorer, "scorer is null");
        requireNonNull(context, "context is null");
        ScoringData data = context.data().orElseThrow(() -> new InvalidInputException(
                "split-half reliability needs scoring data (labelled images): none was given"));
        if (data.size() < 2) {
            throw new InvalidInputException("split-half reliability on " + data.size() + " scoring images: expected at least 2");
        }
        UnitScores first = Pruning.score(model, scorer, kind, half(context, data, 0));
        UnitScores second = Pruning.score(model, scorer, kind, half(context, data, 1));
        return SplitHalfReliability.of(first, second, data.size() / 2);
    }

    private static ScoringContext half(ScoringContext context, ScoringData data, int half) {
        return new ScoringContext(Optional.of(new ScoringHalf(data, half)), context.manager(), context.seed() + half, context.batchSize(),
                (task, done, total) -> context.progress().progress("split half " + (half + 1) + "/2: " + task, done, total),
                new Prefixed(context.checkpoints(), "split-half-" + (half + 1) + "-"), context.ranksAcrossBlocks());
    }

    /** The host's store, every name prefixed: a half never reads what the full scoring or the other half kept. */
    private record Prefixed(ScoringCheckpoints store, String prefix) implements ScoringCheckpoints {
        @Override
        public Optional<byte[]> read(String name) {
            return store.read(prefix + name);
        }

        @Override
        public void write(String name, byte[] content) {
            store.write(prefix + name, content);
        }
    }
}
