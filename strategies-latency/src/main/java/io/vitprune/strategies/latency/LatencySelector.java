package io.vitprune.strategies.latency;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Selection;
import io.vitprune.api.Selector;
import io.vitprune.api.UnitScores;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code latency}: the plan whose predicted latency ({@link LatencyModel}) meets the budget and
 * whose kept units have the highest total score. Each block offers {@link BlockCandidates}, each
 * priced by the predicted latency of the block it leaves and worth the scores of the units it
 * keeps; a {@link Knapsack} picks one per block. Scores are shifted by their minimum over the model
 * first, so that a kept unit never lowers the total, and compared across blocks (as the global
 * selector compares them).
 *
 * <p>The budget, not the target's ratio, decides how much goes: the ratio is the most any one block
 * may lose (a guard against a budget that would strip a block bare), so {@code --ratio 0.9} leaves
 * the budget almost free.
 */
record LatencySelector(Path tablePath, LatencyTable table, LatencyModel model, Budget budget, int step) implements Selector {
    /** Milliseconds, or a fraction of the unpruned model's predicted latency (one of the two is null). */
    record Budget(Double milliseconds, Double fraction) {
        static Budget milliseconds(double ms) {
            if (!(ms > 0)) {
                throw new InvalidInputException("setting 'budget-ms' = " + ms + " of 'latency': expected milliseconds > 0");
            }
            return new Budget(ms, null);
        }

        static Budget fraction(double fraction) {
            if (!(fraction > 0 && fraction < 1)) {
                throw new InvalidInputException("setting 'budget' = " + fraction + " of 'latency': expected a fraction in (0, 1) of the "
                        + "model's predicted latency");
            }
            return new Budget(null, fraction);
        }

        double ms(double unprunedMs) {
            return milliseconds != null ? milliseconds : fraction * unprunedMs;
        }
    }

    LatencySelector {
        requireNonNull(tablePath, "table path is null");
        requireNonNull(table, "table is null");
        requireNonNull(model, "model is null");
        requireNonNull(budget, "budget is null");
    }

    @Override
    public PruningPlan select(UnitScores scores, ModelStructure structure, PruningTarget target) {
        Selection.check(LatencySelectorFactory.NAME, scores, structure, target);
        table.requireFits(structure);
        double unpruned = model.modelMs(structure);
        double budgetMs = budget.ms(unpruned);
        if (budgetMs >= unpruned) {
            throw new InvalidInputException(String.format(Locale.ROOT, "latency budget %.3f ms is not below the model's predicted latency %.3f ms "
                    + "(%s): expected a smaller budget, there is nothing to remove", budgetMs, unpruned, setting()));
        }
        float lowest = lowest(scores);
        List<List<BlockCandidates.Candidate>> candidates = new ArrayList<>();
        List<List<Knapsack.Option>> options = new ArrayList<>();
        double fastest = model.fixedMs();
        for (int b = 0; b < structure.depth(); b++) {
            float[] shifted = scores.block(b);
            for (int i = 0; i < shifted.length; i++) {
                shifted[i] -= lowest;
            }
            List<BlockCandidates.Candidate> blockCandidates = BlockCandidates.of(target.kind(), structure.block(b), shifted, step, target.ratio());
            List<Knapsack.Option> blockOptions = new ArrayList<>();
            double cheapest = Double.POSITIVE_INFINITY;
            for (BlockCandidates.Candidate candidate : blockCandidates) {
                double value = 0;
                for (int i = 0; i < shifted.length; i++) {
                    value += candidate.removed()[i] ? 0 : shifted[i];
                }
                double cost = model.blockMs(candidate.result());
                blockOptions.add(new Knapsack.Option(cost, value));
                cheapest = Math.min(cheapest, cost);
            }
            fastest += cheapest;
            candidates.add(blockCandidates);
            options.add(blockOptions);
        }
        Optional<int[]> choice = Knapsack.choose(options, budgetMs - model.fixedMs());
        if (choice.isEmpty()) {
            throw new InvalidInputException(String.format(Locale.ROOT, "latency budget %.3f ms is below the smallest latency reachable, "
                    + "%.3f ms (%s; every block at its fastest %s candidate in steps of %d, losing at most ratio %s of its units): "
                    + "expected a budget >= %.3f ms, or a larger --ratio", budgetMs, fastest, setting(), target.kind().id(), step,
                    target.ratio(), fastest));
        }
        int[] chosen = choice.get();
        List<boolean[]> removed = new ArrayList<>();
        for (int b = 0; b < structure.depth(); b++) {
            removed.add(candidates.get(b).get(chosen[b]).removed());
        }
        return Selection.plan(structure, target.kind(), removed);
    }

    private static float lowest(UnitScores scores) {
        float lowest = Float.POSITIVE_INFINITY;
        for (int b = 0; b < scores.blocks(); b++) {
            for (float score : scores.block(b)) {
                lowest = Math.min(lowest, score);
            }
        }
        return lowest;
    }

    @Override
    public Optional<String> describe(PruningPlan plan) {
        double before = model.modelMs(plan.source());
        double after = model.modelMs(plan.resultStructure());
        return Optional.of(String.format(Locale.ROOT, "predicted latency %.3f -> %.3f ms (%.1f%%), budget %.3f ms: %s", before, after,
                100 * after / before, budget.ms(before), setting()));
    }

    /** Where the prediction comes from: the runtime, batch, threads, machine, date and file of the table. */
    private String setting() {
        return String.format(Locale.ROOT, "%s, batch %d, %d threads, measured %s on %s, table %s", table.runtime(), model.batch(),
                table.threads(), table.date(), table.machine(), tablePath);
    }
}
