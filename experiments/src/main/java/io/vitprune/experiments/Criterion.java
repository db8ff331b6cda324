package io.vitprune.experiments;

import io.vitprune.api.UnitScores;
import io.vitprune.strategies.distill.AblationLosses;
import io.vitprune.strategies.distill.CeTarget;
import io.vitprune.strategies.stability.Scope;
import io.vitprune.strategies.stability.StabilityScores;
import java.util.List;
import java.util.function.BiFunction;

/**
 * An ablation criterion of the paper table: its row name (the registry's scorer name, with the
 * settings the rows vary after a colon) and its scores from one measurement under
 * a selector. Computed from the shared losses rather than through the registry, so that one
 * measurement serves every row; each equals what the named scorer with those settings returns.
 */
record Criterion(String id, BiFunction<AblationLosses, String, UnitScores> scores) {
    // Every setting the rows vary is named in the id, defaults included, so that a changed default
    // never relabels the cells of an earlier run.
    static final List<Criterion> ALL = List.of(
            new Criterion("kd-importance:alpha=1", (losses, selector) -> losses.kdImportance(1, CeTarget.LABELS)),
            new Criterion("kd-importance:alpha=0.1", (losses, selector) -> losses.kdImportance(0.1, CeTarget.LABELS)),
            new Criterion("kd-importance:alpha=10", (losses, selector) -> losses.kdImportance(10, CeTarget.LABELS)),
            new Criterion("kl-importance", (losses, selector) -> losses.klImportance()),
            new Criterion("regression-stability:ce-target=labels",
                    (losses, selector) -> StabilityScores.of(losses, scope(selector), CeTarget.LABELS)),
            new Criterion("regression-stability:ce-target=teacher",
                    (losses, selector) -> StabilityScores.of(losses, scope(selector), CeTarget.TEACHER)));

    UnitScores score(AblationLosses losses, String selector) {
        return scores.apply(losses, selector);
    }

    /** Stability's scope follows the selector, as the scorer's default does. */
    private static Scope scope(String selector) {
        return selector.equals("uniform") ? Scope.BLOCK : Scope.GLOBAL;
    }
}
