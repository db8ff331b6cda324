package io.vitprune.core.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringCheckpoints;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.testing.StructureOnlyModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.ToDoubleBiFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SplitHalfTest {
    /** Four blocks of 256 MLP units: enough units that chance correlations stay well below 0.2. */
    private static final PrunableModel MODEL = new StructureOnlyModel(new ModelStructure(8, Collections.nCopies(4, BlockStructure.uniform(2, 4, 256))));

    private NDManager manager;

    @BeforeEach
    void open() {
        manager = NDManager.newBaseManager();
    }

    @AfterEach
    void close() {
        manager.close();
    }

    /** Scores every MLP unit by {@code score(block, unit)}, reading nothing else. */
    private record Formula(ToDoubleBiFunction<Integer, Integer> score) implements Scorer {
        @Override
        public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
            List<float[]> blocks = new ArrayList<>();
            for (int b = 0; b < model.structure().depth(); b++) {
                float[] scores = new float[model.structure().block(b).mlpWidth()];
                for (int u = 0; u < scores.length; u++) {
                    scores[u] = (float) score.applyAsDouble(b, u);
                }
                blocks.add(scores);
            }
            return new UnitScores(kind, blocks);
        }
    }

    @Test
    void aDeterministicDataFreeScorerIsExactlyReliable() {
        // Few distinct values: many ties, ranked alike in both halves.
        SplitHalfReliability reliability = SplitHalf.measure(new Formula((b, u) -> (7 * u + b) % 5), MODEL, UnitKind.MLP_UNIT, context(10));

        assertThat(reliability.overall()).isEqualTo(1.0);
        assertThat(reliability.perBlock()).containsExactly(1.0, 1.0, 1.0, 1.0);
        assertThat(reliability.halfImages()).isEqualTo(5);
        assertThat(reliability.isLow()).isFalse();
    }

    @Test
    void aScorerOfRandomScoresIsUnreliable() {
        Random random = new Random(42);

        SplitHalfReliability reliability = SplitHalf.measure(new Formula((b, u) -> random.nextGaussian()), MODEL, UnitKind.MLP_UNIT, context(10));

        assertThat(Math.abs(reliability.overall())).isLessThan(0.2);
        assertThat(reliability.perBlock()).hasSize(4).allSatisfy(r -> assertThat(Math.abs(r)).isLessThan(0.2));
        assertThat(reliability.isLow()).isTrue();
    }

    /** Remembers the labels, seed and progress of every scoring, and keeps a checkpoint. */
    private record Recording(List<List<Long>> labels, List<Long> seeds, List<String> tasks) implements Scorer {
        @Override
        public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
            ScoringData data = context.requireData("recording");
            List<Long> seen = new ArrayList<>();
            try (NDManager scope = context.manager().newSubManager()) {
                for (int from = 0; from < data.size(); from += context.batchSize()) {
                    NDList batch = data.batch(scope, from, Math.min(data.size(), from + context.batchSize()));
                    Arrays.stream(batch.get(1).toLongArray()).forEach(seen::add);
                }
            }
            labels.add(seen);
            seeds.add(context.seed());
            context.progress().progress("ablating", 1, 1);
            context.checkpoints().write("partial.json", new byte[] {1});
            return new Formula((b, u) -> u).score(model, kind, context);
        }
    }

    @Test
    void scoresTwoDisjointInterleavedHalvesWithTheirOwnSeedsAndCheckpoints() {
        Recording scorer = new Recording(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        Map<String, byte[]> kept = new TreeMap<>();
        ScoringCheckpoints store = new ScoringCheckpoints() {
            @Override
            public Optional<byte[]> read(String name) {
                return Optional.ofNullable(kept.get(name));
            }

            @Override
            public void write(String name, byte[] content) {
                kept.put(name, content);
            }
        };
        ScoringContext context = new ScoringContext(Optional.of(new Indexed(7)), manager, 7, 3, (task, done, total) -> scorer.tasks().add(task), store);

        SplitHalf.measure(scorer, MODEL, UnitKind.MLP_UNIT, context);

        assertThat(scorer.labels()).containsExactly(List.of(0L, 2L, 4L, 6L), List.of(1L, 3L, 5L));
        assertThat(scorer.seeds()).containsExactly(7L, 8L);
        assertThat(scorer.tasks()).containsExactly("split half 1/2: ablating", "split half 2/2: ablating");
        assertThat(kept).containsOnlyKeys("split-half-1-partial.json", "split-half-2-partial.json");
    }

    @Test
    void onlyScorersThatNeedDataAreMeasured() {
        Scorer scorer = new Formula((b, u) -> u);

        assertThat(SplitHalf.ifDataDriven(factory(false), scorer, MODEL, UnitKind.MLP_UNIT, context(4))).isEmpty();
        assertThat(SplitHalf.ifDataDriven(factory(true), scorer, MODEL, UnitKind.MLP_UNIT, ScoringContext.dataFree(manager))).isEmpty();
        assertThat(SplitHalf.ifDataDriven(factory(true), scorer, MODEL, UnitKind.MLP_UNIT, context(4))).get()
                .extracting(SplitHalfReliability::overall).isEqualTo(1.0);
    }

    @Test
    void needsTwoImagesAtLeast() {
        Scorer scorer = new Formula((b, u) -> u);

        assertThatThrownBy(() -> SplitHalf.measure(scorer, MODEL, UnitKind.MLP_UNIT, ScoringContext.dataFree(manager)))
                .isInstanceOf(InvalidInputException.class).hasMessage("split-half reliability needs scoring data (labelled images): none was given");
        assertThatThrownBy(() -> SplitHalf.measure(scorer, MODEL, UnitKind.MLP_UNIT, context(1)))
                .isInstanceOf(InvalidInputException.class).hasMessage("split-half reliability on 1 scoring images: expected at least 2");
    }

    private ScoringContext context(int images) {
        return new ScoringContext(Optional.of(new Indexed(images)), manager, 0, 2, ProgressListener.NONE);
    }

    /** One-pixel images whose value and label are their index. */
    private record Indexed(int size) implements ScoringData {
        @Override
        public NDList batch(NDManager manager, int from, int to) {
            float[] pixels = new float[3 * (to - from)];
            long[] labels = new long[to - from];
            for (int i = from; i < to; i++) {
                Arrays.fill(pixels, 3 * (i - from), 3 * (i - from + 1), i);
                labels[i - from] = i;
            }
            return new NDList(manager.create(pixels, new Shape(to - from, 3, 1, 1)), manager.create(labels));
        }
    }

    private static ScorerFactory factory(boolean needsData) {
        return new ScorerFactory() {
            @Override
            public String name() {
                return "formula";
            }

            @Override
            public String description() {
                return "scores by a formula";
            }

            @Override
            public Set<UnitKind> supportedKinds() {
                return Set.of(UnitKind.MLP_UNIT);
            }

            @Override
            public boolean needsData() {
                return needsData;
            }

            @Override
            public Scorer create(StrategySettings settings) {
                return new Formula((b, u) -> u);
            }
        };
    }
}
