package io.vitprune.deploy;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitScores;
import io.vitprune.core.Pruning;
import io.vitprune.core.latency.BudgetCorrection;
import io.vitprune.core.latency.LatencyMeter;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.latency.LatencyTimer;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The {@code latency} selector's plan, measured on this machine and its runtime and corrected
 * ({@link BudgetCorrection}): the selector is made again, with the same settings and a tightened
 * budget, on the same scores, until the pruned model's measured latency meets the budget the user
 * gave ({@code budget}: a fraction of the unpruned model's measured latency; {@code budget-ms}:
 * milliseconds per batch).
 */
public final class MeasuredLatencyPlan {
    private static final String SELECTOR = "latency";

    private MeasuredLatencyPlan() {
    }

    /**
     * The plan that meets the budget as measured; fails, naming every attempt, when {@code corrections}
     * do not get there. {@code settings} are the latency selector's, {@code table} the one they name.
     */
    public static PruningPlan plan(StrategyRegistry registry, Map<String, String> settings, LatencyTable table, VisionTransformer model,
                                   UnitScores scores, PruningTarget target, int corrections) {
        boolean fraction = settings.containsKey("budget");
        String budgetKey = fraction ? "budget" : "budget-ms";
        int batch = settings.containsKey("batch") ? Integer.parseInt(settings.get("batch")) : 1;
        LatencyModel predicted = LatencyModel.of(table, batch);
        double unpruned = predicted.modelMs(model.structure());
        BudgetCorrection.Planner<PruningPlan> planner = budget -> {
            Map<String, String> tightened = new LinkedHashMap<>(settings);
            tightened.put(budgetKey, String.valueOf(budget));
            return Pruning.select(model, scores, registry.selector(SELECTOR).create(new StrategySettings(tightened)), target);
        };
        try (LatencyTimer timer = LatencyTimers.of(settings.getOrDefault("runtime", LatencyTable.LIBTORCH), model.config(), 0)) {
            LatencyMeter meter = LatencyMeter.of(timer, model.structure(), batch);
            BudgetCorrection.Outcome<PruningPlan> outcome = BudgetCorrection.meet(Double.parseDouble(settings.get(budgetKey)), corrections, planner,
                    plan -> predicted.modelMs(plan.resultStructure()) / (fraction ? unpruned : 1), plan -> {
                        System.err.printf("measuring the plan on %s at batch %d, %d threads, against the unpruned model%n", timer.runtime(), batch,
                                timer.threads());
                        LatencyMeter.Measured measured = meter.measure(plan.resultStructure());
                        return fraction ? measured.fraction() : measured.ms();
                    }, plan -> { });
            String attempts = (fraction ? "as fractions of the unpruned model: " : "in ms: ") + outcome.describe();
            if (!outcome.met()) {
                throw new InvalidInputException(String.format(Locale.ROOT, "--selector latency with %s=%s: measured %.3f after %d correction(s) "
                        + "(%s): expected a budget the model can meet on this machine, more --latency-corrections, or --latency-corrections 0 for "
                        + "the table's plan unmeasured (nothing was saved)", budgetKey, settings.get(budgetKey), outcome.last().measured(),
                        outcome.attempts().size() - 1, attempts));
            }
            System.out.println("measured latency " + attempts);
            return outcome.plan();
        }
    }
}
