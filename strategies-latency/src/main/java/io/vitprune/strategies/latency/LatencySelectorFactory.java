package io.vitprune.strategies.latency;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.Selector;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import java.nio.file.Path;
import java.util.List;

/** Makes {@link LatencySelector}s; the table is read and checked here, before any scoring. */
final class LatencySelectorFactory implements SelectorFactory {
    static final String NAME = "latency";
    static final SettingSpec TABLE = SettingSpec.text("table", null, "the latency table (JSON) written by 'vitprune calibrate' (required)");
    static final SettingSpec BUDGET_MS = SettingSpec.number("budget-ms", null,
            "the predicted latency to meet, in milliseconds per batch (this or budget)");
    static final SettingSpec BUDGET = SettingSpec.number("budget", null,
            "the predicted latency to meet, as a fraction in (0, 1) of the model's own predicted latency (this or budget-ms)");
    static final SettingSpec RUNTIME = SettingSpec.choice("runtime", LatencyTable.LIBTORCH,
            "the runtime the pruned model will run on: the table must be measured on it", LatencyTable.LIBTORCH, "onnxruntime");
    static final SettingSpec BATCH = SettingSpec.integer("batch", 1, "the batch size the pruned model will run at: the table must hold it");
    static final SettingSpec STEP = SettingSpec.integer("step", 8,
            "candidate widths (of the kept heads, of the MLP) are multiples of this, widths the runtime runs fast");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "meet a predicted latency budget keeping the highest total score (knapsack over blocks; --ratio caps what a block loses)";
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of(TABLE, BUDGET_MS, BUDGET, RUNTIME, BATCH, STEP);
    }

    @Override
    public Selector create(StrategySettings settings) {
        String table = TABLE.string(settings);
        if (table == null) {
            throw new InvalidInputException("selector '" + NAME + "' needs setting 'table': expected the path of a latency table written by "
                    + "'vitprune calibrate' (--selector-setting table=latency.json)");
        }
        String ms = BUDGET_MS.string(settings);
        String fraction = BUDGET.string(settings);
        if ((ms == null) == (fraction == null)) {
            throw new InvalidInputException("selector '" + NAME + "' was given " + (ms == null ? "neither" : "both") + " 'budget-ms' and 'budget'"
                    + ": expected exactly one (budget-ms=4.5 for milliseconds, budget=0.6 for a fraction of the model's predicted latency)");
        }
        LatencySelector.Budget budget = ms != null ? LatencySelector.Budget.milliseconds(BUDGET_MS.number(settings))
                : LatencySelector.Budget.fraction(BUDGET.number(settings));
        int batch = BATCH.integer(settings);
        int step = STEP.integer(settings);
        if (batch < 1 || step < 1) {
            throw new InvalidInputException("setting '" + (batch < 1 ? BATCH.name() + "' = " + batch : STEP.name() + "' = " + step)
                    + " of '" + NAME + "': expected an integer >= 1");
        }
        Path path = Path.of(table);
        LatencyTable read = LatencyTable.read(path);
        read.requireRuntime(RUNTIME.string(settings));
        return new LatencySelector(path, read, LatencyModel.of(read, batch), budget, step);
    }
}
