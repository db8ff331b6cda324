package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.Selector;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.Pruning;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The pruned models the latency experiment compares, all scored by one data-free scorer over the
 * same unit kinds: a baseline selector ({@code global}, {@code uniform}) removes one ratio of every
 * kind; the {@code latency} selector meets a budget. That selector plans one unit kind at a time, so
 * the kinds take turns, each on the model the turns before left: what is still to cut (predicted
 * latency - budget) is shared out in proportion to what removing half of each kind alone would save
 * (the latency analogue of cutting every kind by one ratio), the last turn of a round asking for all
 * of it. A turn whose part is out of its kind's reach asks half as much, a few times, then gives
 * nothing; a few rounds let one kind take up what another could not.
 */
final class LatencyPlanner {
    static final String LATENCY = "latency";
    private static final double SHARE_PROBE_RATIO = 0.5;
    /** How often a turn whose part is out of reach asks half as much before it gives nothing. */
    private static final int HALVINGS = 3;
    /** Rounds of turns: a later round gives a kind what another could not. */
    private static final int ROUNDS = 4;

    private final StrategyRegistry registry;
    private final String scorer;
    private final List<UnitKind> kinds;

    LatencyPlanner(StrategyRegistry registry, String scorer, List<UnitKind> kinds) {
        this.registry = registry;
        this.scorer = scorer;
        this.kinds = List.copyOf(kinds);
    }

    /** {@code selector} at {@code ratio} on every kind, the plans intersected. */
    PruningPlan baseline(VisionTransformer base, String selector, StrategySettings settings, double ratio, NDManager manager) {
        PruningPlan plan = PruningPlan.keepAll(base.structure());
        for (UnitKind kind : kinds) {
            plan = plan.intersect(plan(base, registry.selector(selector).create(settings), new PruningTarget(kind, ratio), manager));
        }
        return plan;
    }

    /**
     * The model that the latency selector makes for {@code budget} (a fraction of the unpruned
     * model's predicted latency) at {@code batch}, as described above; owned by {@code manager}.
     * Fails naming the latency the turns reached when they cannot meet the budget.
     */
    VisionTransformer latency(VisionTransformer base, Path table, LatencyModel predicted, double budget, int step, double maxBlockRatio,
                              NDManager manager) {
        double budgetMs = budget * predicted.modelMs(base.structure());
        double[] shares = shares(base, predicted, manager);
        VisionTransformer current = base;
        for (int round = 0; round < ROUNDS; round++) {
            for (int k = 0; k < kinds.size(); k++) {
                double currentMs = predicted.modelMs(current.structure());
                if (currentMs <= budgetMs) {
                    return current;
                }
                // This turn's part of what is left to cut: its share over the shares of the turns still to come in this round.
                double part = shares[k] / Arrays.stream(shares, k, shares.length).sum();
                PruningPlan plan = null;
                for (int attempt = 0; plan == null && attempt <= HALVINGS; attempt++, part /= 2) {
                    try {
                        plan = latencyPlan(current, kinds.get(k), currentMs - part * (currentMs - budgetMs), predicted.batch(), table, step,
                                maxBlockRatio, manager);
                    } catch (InvalidInputException e) {
                        // Out of this kind's reach (or too little to remove a unit): it asks less, the other turns take up the rest.
                    }
                }
                if (plan != null) {
                    VisionTransformer smaller = Surgery.apply(current, plan, manager);
                    if (current != base) {
                        current.close();
                    }
                    current = smaller;
                }
            }
        }
        double reachedMs = predicted.modelMs(current.structure());
        if (reachedMs <= budgetMs) {
            return current;
        }
        throw new InvalidInputException(String.format(Locale.ROOT, "no plan within the predicted budget %.3f ms at batch %d: %d rounds of turns "
                + "(%s) reached %.3f ms (%.1f%% of the unpruned model's prediction), each kind cut as far as the latency selector would take it "
                + "in steps of %d, a block losing at most %.0f%% of its units", budgetMs, predicted.batch(), ROUNDS,
                String.join(" then ", kinds.stream().map(UnitKind::id).toList()), reachedMs, 100 * reachedMs / predicted.modelMs(base.structure()),
                step, 100 * maxBlockRatio));
    }

    private PruningPlan latencyPlan(VisionTransformer model, UnitKind kind, double targetMs, int batch, Path table, int step, double maxBlockRatio,
                                    NDManager manager) {
        Selector selector = registry.selector(LATENCY).create(StrategySettings.of("table", table.toString(), "budget-ms",
                String.format(Locale.ROOT, "%.6f", targetMs), "batch", String.valueOf(batch), "step", String.valueOf(step)));
        return plan(model, selector, new PruningTarget(kind, maxBlockRatio), manager);
    }

    /**
     * Each kind's share of the cut: what removing half of that kind alone saves (uniform and
     * head-aligned, so that the probe pays for no group of narrower heads), over the sum of those savings.
     */
    double[] shares(VisionTransformer base, LatencyModel predicted, NDManager manager) {
        double unprunedMs = predicted.modelMs(base.structure());
        double[] savings = new double[kinds.size()];
        for (int k = 0; k < kinds.size(); k++) {
            PruningPlan half = plan(base, registry.selector("uniform").create(StrategySettings.of("head-aligned", "true")), new PruningTarget(kinds.get(k), SHARE_PROBE_RATIO),
                    manager);
            savings[k] = Math.max(0, unprunedMs - predicted.modelMs(half.resultStructure()));
        }
        double total = Arrays.stream(savings).sum();
        double[] shares = new double[kinds.size()];
        for (int k = 0; k < kinds.size(); k++) {
            shares[k] = total > 0 ? savings[k] / total : 1.0 / kinds.size();
        }
        return shares;
    }

    private PruningPlan plan(VisionTransformer model, Selector selector, PruningTarget target, NDManager manager) {
        return Pruning.plan(model, registry.scorer(scorer).create(StrategySettings.EMPTY), selector, target, ScoringContext.dataFree(manager));
    }
}
