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
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * "global" (methods.md section 3): the units of every block are ranked together (after the
 * block-wise {@link Normalization}) and the {@code round(ratio * N)} lowest go, so blocks end up
 * with different widths. A unit that {@code min-kept} protects is skipped and the next-lowest goes
 * instead, so the total stays at the target unless every block is at its minimum. Ties: later
 * blocks, then higher indices, go first.
 *
 * <p>With {@code head-aligned} attention channels, the ranking only decides how many channels each
 * block loses; that count is then rounded to a multiple of the block's head count and every head
 * loses the same number, its own lowest-scored channels. Each block rounds down or up; blocks are
 * rounded up, nearest to the next multiple first, while that brings the total nearer the target,
 * so the total is off by at most half a head count (more only where every head is down to one
 * channel or min-kept stops a block).
 */
record GlobalSelector(SelectionRules rules, Normalization normalization) implements Selector {
    private record Unit(int block, int index, double score) { }

    GlobalSelector {
        requireNonNull(rules, "rules are null");
        requireNonNull(normalization, "normalization is null");
    }

    @Override
    public PruningPlan select(UnitScores scores, ModelStructure structure, PruningTarget target) {
        Selection.check("global", scores, structure, target);
        List<Unit> units = new ArrayList<>();
        List<boolean[]> removed = new ArrayList<>();
        for (int b = 0; b < structure.depth(); b++) {
            double[] normalized = normalization.apply(scores.block(b));
            for (int i = 0; i < normalized.length; i++) {
                units.add(new Unit(b, i, normalized[i]));
            }
            removed.add(new boolean[normalized.length]);
        }
        units.sort(Comparator.comparingDouble(Unit::score)
                .thenComparing(Unit::block, Comparator.reverseOrder())
                .thenComparing(Unit::index, Comparator.reverseOrder()));

        int goal = (int) Math.round(target.ratio() * units.size());
        int[] counts = new int[structure.depth()];
        int total = 0;
        for (Unit unit : units) {
            if (total == goal) {
                break;
            }
            if (counts[unit.block()] < rules.removable(removed.get(unit.block()).length)) {
                removed.get(unit.block())[unit.index()] = true;
                counts[unit.block()]++;
                total++;
            }
        }

        if (rules.alignsHeads(target.kind())) {
            int[] perHead = perHead(structure, counts, goal);
            for (int b = 0; b < structure.depth(); b++) {
                removed.set(b, Selection.lowestPerHead(scores.block(b), structure.block(b), perHead[b]));
            }
        }
        return Selection.plan(structure, target.kind(), removed);
    }

    /** Channels every head of each block loses, from the unaligned per-block counts (see the class comment). */
    private int[] perHead(ModelStructure structure, int[] counts, int goal) {
        int depth = structure.depth();
        int[] perHead = new int[depth];
        int[] max = new int[depth];
        double[] remainder = new double[depth];
        int total = 0;
        for (int b = 0; b < depth; b++) {
            BlockStructure block = structure.block(b);
            max[b] = Selection.maxPerHead(block, rules);
            perHead[b] = Math.min(counts[b] / block.heads(), max[b]);
            remainder[b] = (double) (counts[b] % block.heads()) / block.heads();
            total += perHead[b] * block.heads();
        }
        int[] nearestToNextMultiple = IntStream.range(0, depth).boxed()
                .sorted(Comparator.<Integer>comparingDouble(b -> remainder[b]).reversed())
                .mapToInt(Integer::intValue)
                .toArray();
        for (int b : nearestToNextMultiple) {
            int heads = structure.block(b).heads();
            if (perHead[b] < max[b] && Math.abs(total + heads - goal) < Math.abs(total - goal)) {
                perHead[b]++;
                total += heads;
            }
        }
        return perHead;
    }
}
