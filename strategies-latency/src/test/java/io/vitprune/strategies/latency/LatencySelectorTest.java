package io.vitprune.strategies.latency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Selector;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.Registered;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.testing.TestLatencyTables;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The latency selector, made through the registry as production makes it, on a synthetic table of the reference model's shape. */
class LatencySelectorTest {
    static final VitConfig REFERENCE = VitConfig.reference();
    static final ModelStructure STRUCTURE = REFERENCE.initialStructure();
    static final LatencyTable TABLE = TestLatencyTables.of(REFERENCE, 8);
    static final LatencyModel AT_1 = LatencyModel.of(TABLE, 1);

    @TempDir
    static Path directory;
    static Path table;

    @BeforeAll
    static void writeTable() throws IOException {
        table = directory.resolve("latency.json");
        TABLE.write(table);
    }

    static Selector selector(String... settings) {
        List<String> all = new ArrayList<>(List.of("table", table.toString()));
        all.addAll(List.of(settings));
        return StrategyRegistry.load().selector("latency").create(StrategySettings.of(all.toArray(String[]::new)));
    }

    static UnitScores scores(UnitKind kind, long seed) {
        Random random = new Random(seed);
        List<float[]> blocks = new ArrayList<>();
        for (BlockStructure block : STRUCTURE.blocks()) {
            float[] units = new float[block.units(kind)];
            for (int i = 0; i < units.length; i++) {
                units[i] = (float) random.nextGaussian();
            }
            blocks.add(units);
        }
        return new UnitScores(kind, blocks);
    }

    @Test
    void isRegisteredWithItsSettings() {
        StrategyRegistry registry = StrategyRegistry.load();
        assertThat(registry.broken()).isEmpty();
        assertThat(registry.selectors()).filteredOn(r -> r.provider().equals("latency")).extracting(Registered::name).containsExactly("latency");
        assertThat(registry.selector("latency").settings()).extracting(SettingSpec::name)
                .containsExactly("table", "budget-ms", "budget", "runtime", "batch", "step");
    }

    /** Every combination of the blocks' candidates: the selector's plan meets the budget and keeps the most score of any that does. */
    @ParameterizedTest
    @CsvSource({"attention-channel, 16, 0.6", "attention-channel, 16, 0.8", "mlp-unit, 96, 0.7", "attention-head, 1, 0.5"})
    void keepsTheMostScoreOfEveryPlanWithinTheBudget(String kindId, int step, double fraction) {
        UnitKind kind = UnitKind.fromId(kindId);
        UnitScores scores = scores(kind, 3);
        double ratio = 0.9;
        PruningPlan plan = selector("budget", Double.toString(fraction), "step", Integer.toString(step))
                .select(scores, STRUCTURE, new PruningTarget(kind, ratio));
        double budget = fraction * AT_1.modelMs(STRUCTURE);
        assertThat(AT_1.modelMs(plan.resultStructure())).isLessThanOrEqualTo(budget);

        float lowest = Float.POSITIVE_INFINITY;
        for (int b = 0; b < STRUCTURE.depth(); b++) {
            for (float score : scores.block(b)) {
                lowest = Math.min(lowest, score);
            }
        }
        List<List<BlockCandidates.Candidate>> candidates = new ArrayList<>();
        for (int b = 0; b < STRUCTURE.depth(); b++) {
            float[] shifted = scores.block(b);
            for (int i = 0; i < shifted.length; i++) {
                shifted[i] -= lowest;
            }
            candidates.add(BlockCandidates.of(kind, STRUCTURE.block(b), shifted, step, ratio));
        }
        double best = bestWithin(candidates, scores, lowest, budget - AT_1.fixedMs(), 0, 0, 0);
        assertThat(keptScore(plan, scores, lowest)).isCloseTo(best, org.assertj.core.api.Assertions.within(1e-6));
        assertThat(plan.removedFraction(kind)).isPositive();
    }

    @Test
    void channelsGoHeadAlignedSoEveryBlockKeepsOneWidth() {
        // Kept heads share one width: a second width would cost a group of its own.
        PruningPlan plan = selector("budget", "0.6").select(scores(UnitKind.ATTENTION_CHANNEL, 5), STRUCTURE,
                new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.9));
        for (BlockStructure block : plan.resultStructure().blocks()) {
            assertThat(block.headWidths().stream().distinct()).hasSize(1);
            assertThat(block.headWidths().get(0) % 8).isZero();
        }
    }

    @Test
    void anUnreachableBudgetNamesTheSmallestReachableLatency() {
        // Fastest within ratio 0.9 (at least 20 of 192 channels kept): one head of 24, 1 + 0.01 * 24 + 0.05 = 1.29 ms a block.
        assertThatThrownBy(() -> selector("budget-ms", "5").select(scores(UnitKind.ATTENTION_CHANNEL, 1), STRUCTURE,
                new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.9)))
                .isInstanceOf(InvalidInputException.class)
                .hasMessageContaining("latency budget 5.000 ms is below the smallest latency reachable, 7.940 ms")
                .hasMessageContaining("expected a budget >= 7.940 ms, or a larger --ratio");
        // Ratio 0.5 (at least 96 kept): three heads of 32, 1 + 0.96 + 0.15 = 2.11 ms a block.
        assertThatThrownBy(() -> selector("budget-ms", "11").select(scores(UnitKind.ATTENTION_CHANNEL, 1), STRUCTURE,
                new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5)))
                .hasMessageContaining("smallest latency reachable, 12.860 ms");
    }

    @Test
    void aBudgetAtOrAboveTheModelsLatencyIsRefused() {
        assertThatThrownBy(() -> selector("budget-ms", "1000").select(scores(UnitKind.MLP_UNIT, 1), STRUCTURE,
                new PruningTarget(UnitKind.MLP_UNIT, 0.5)))
                .hasMessageContaining("latency budget 1000.000 ms is not below the model's predicted latency");
    }

    @Test
    void refusesATableOfAnotherShapeRuntimeOrBatchNamingWhich() {
        ModelStructure wider = new ModelStructure(256, STRUCTURE.blocks());
        assertThatThrownBy(() -> selector("budget", "0.5").select(new UnitScores(UnitKind.MLP_UNIT, scoresOf(wider)), wider,
                new PruningTarget(UnitKind.MLP_UNIT, 0.5)))
                .hasMessageContaining("latency table was measured for a model of dim 192: the model has dim 256");
        assertThatThrownBy(() -> selector("budget", "0.5", "runtime", "onnxruntime"))
                .hasMessageContaining("measured on runtime libtorch: expected onnxruntime");
        assertThatThrownBy(() -> selector("budget", "0.5", "batch", "8"))
                .hasMessageContaining("measured at batch 1, 32: expected batch 8");
    }

    @Test
    void refusesMissingOrDoubleBudgetsAndAMissingTable() {
        assertThatThrownBy(() -> selector()).hasMessageContaining("neither 'budget-ms' and 'budget'").hasMessageContaining("expected exactly one");
        assertThatThrownBy(() -> selector("budget", "0.5", "budget-ms", "3")).hasMessageContaining("both 'budget-ms' and 'budget'");
        assertThatThrownBy(() -> selector("budget", "1.5")).hasMessageContaining("setting 'budget' = 1.5").hasMessageContaining("(0, 1)");
        assertThatThrownBy(() -> selector("budget-ms", "-2")).hasMessageContaining("setting 'budget-ms' = -2.0");
        assertThatThrownBy(() -> StrategyRegistry.load().selector("latency").create(StrategySettings.of("budget", "0.5")))
                .hasMessageContaining("needs setting 'table'");
        assertThatThrownBy(() -> StrategyRegistry.load().selector("latency").create(StrategySettings.of("budget", "0.5", "table",
                directory.resolve("none.json").toString()))).hasMessageContaining("none.json does not exist");
    }

    @Test
    void describesThePredictedLatencyOfItsPlan() {
        Selector selector = selector("budget", "0.7", "batch", "32");
        PruningPlan plan = selector.select(scores(UnitKind.MLP_UNIT, 2), STRUCTURE, new PruningTarget(UnitKind.MLP_UNIT, 0.9));
        assertThat(selector.describe(plan)).hasValueSatisfying(line -> assertThat(line)
                .startsWith(String.format(java.util.Locale.ROOT, "predicted latency %.3f -> ", LatencyModel.of(TABLE, 32).modelMs(STRUCTURE)))
                .contains("libtorch, batch 32, 2 threads").contains(table.toString()));
    }

    private static List<float[]> scoresOf(ModelStructure structure) {
        return structure.blocks().stream().map(block -> new float[block.mlpWidth()]).toList();
    }

    private static double keptScore(PruningPlan plan, UnitScores scores, float lowest) {
        double value = 0;
        for (int b = 0; b < plan.blocks().size(); b++) {
            float[] block = scores.block(b);
            int[] perHead = plan.block(b).keptPerHead(STRUCTURE.block(b));
            int[] kept = switch (scores.kind()) {
                case MLP_UNIT -> plan.block(b).keptMlpUnits();
                case ATTENTION_CHANNEL -> plan.block(b).keptAttentionChannels();
                case ATTENTION_HEAD -> java.util.stream.IntStream.range(0, block.length).filter(h -> perHead[h] > 0).toArray();
                case TOKEN -> throw new IllegalArgumentException();
            };
            for (int i : kept) {
                value += block[i] - lowest;
            }
        }
        return value;
    }

    private static double bestWithin(List<List<BlockCandidates.Candidate>> candidates, UnitScores scores, float lowest, double capacity,
                                     int block, double cost, double value) {
        if (cost > capacity) {
            return Double.NEGATIVE_INFINITY;
        }
        if (block == candidates.size()) {
            return value;
        }
        float[] blockScores = scores.block(block);
        double best = Double.NEGATIVE_INFINITY;
        for (BlockCandidates.Candidate candidate : candidates.get(block)) {
            double kept = 0;
            for (int i = 0; i < blockScores.length; i++) {
                kept += candidate.removed()[i] ? 0 : blockScores[i] - lowest;
            }
            best = Math.max(best, bestWithin(candidates, scores, lowest, capacity, block + 1, cost + AT_1.blockMs(candidate.result()), value + kept));
        }
        return best;
    }
}
