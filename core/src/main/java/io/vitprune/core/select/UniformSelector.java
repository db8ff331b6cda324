package io.vitprune.core.select;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Selection;
import io.vitprune.api.SelectionRules;
import io.vitprune.api.Selector;
import io.vitprune.api.UnitScores;
import java.util.ArrayList;
import java.util.List;

/**
 * "uniform" (methods.md section 3): every block loses {@code round(ratio * n)} of its own n units
 * (halves round up), its lowest-scored ones, but never more than {@code min-kept} allows. With
 * {@code head-aligned} attention channels, every head loses {@code round(ratio * n / heads)}
 * channels, its own lowest-scored ones (capped so that every head keeps one).
 */
record UniformSelector(SelectionRules rules) implements Selector {
    UniformSelector {
        requireNonNull(rules, "rules are null");
    }

    @Override
    public PruningPlan select(UnitScores scores, ModelStructure structure, PruningTarget target) {
        Selection.check("uniform", scores, structure, target);
        List<boolean[]> removed = new ArrayList<>();
        for (int b = 0; b < structure.depth(); b++) {
            BlockStructure block = structure.block(b);
            float[] blockScores = scores.block(b);
            if (rules.alignsHeads(target.kind())) {
                int perHead = (int) Math.round(target.ratio() * blockScores.length / block.heads());
                removed.add(Selection.lowestPerHead(blockScores, block, Math.min(perHead, Selection.maxPerHead(block, rules))));
            } else {
                int count = (int) Math.round(target.ratio() * blockScores.length);
                removed.add(Selection.lowest(blockScores, Math.min(count, rules.removable(blockScores.length))));
            }
        }
        return Selection.plan(structure, target.kind(), removed);
    }

    /** Each block loses its own lowest units: scores are only compared within a block. */
    @Override
    public boolean ranksAcrossBlocks() {
        return false;
    }
}
