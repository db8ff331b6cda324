package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.Selector;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.Pruning;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import io.vitprune.interop.TimmCheckpoint;
import io.vitprune.interop.TorchExport;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's Java examples: "compose a scorer and a selector" on a tiny model, and "prune your own timm ViT" on a timm fixture. */
class ReadmeExampleTest {
    @TempDir
    Path temp;

    @Test
    void theReadmeCompositionRuns() throws Exception {
        StrategyRegistry registry = StrategyRegistry.load();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(11, manager)) {
            Scorer scorer = registry.scorer("weight-l1").create(StrategySettings.EMPTY);
            Selector selector = registry.selector("global").create(StrategySettings.of("min-kept", "2"));
            PruningPlan plan = Pruning.plan(model, scorer, selector, new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.5),
                    ScoringContext.dataFree(manager));
            try (VisionTransformer pruned = Surgery.apply(model, plan, manager)) {
                ModelStore.save(pruned, temp.resolve("pruned"));
                assertThat(ModelStats.of(pruned).parameters()).isLessThan(ModelStats.of(model).parameters());
            }
        }
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reloaded = ModelStore.load(temp.resolve("pruned"), manager)) {
            assertThat(reloaded.structure().totalUnits(UnitKind.ATTENTION_CHANNEL)).isEqualTo(TestModels.tinyConfig().depth()
                    * TestModels.tinyConfig().heads() * TestModels.tinyConfig().dimHead() / 2);
        }
    }

    @Test
    void theReadmeTimmExampleRuns() throws Exception {
        Path checkpoint = Path.of("../interop/src/test/resources/timm/vit");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer vit = TimmCheckpoint.read(checkpoint, manager)) {
            StrategyRegistry registry = StrategyRegistry.load();
            PruningPlan plan = Pruning.plan(vit, registry.scorer("weight-l1").create(StrategySettings.EMPTY),
                    registry.selector("global").create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.3),
                    ScoringContext.dataFree(manager));
            try (VisionTransformer pruned = Surgery.apply(vit, plan, manager)) {
                TorchExport.write(pruned, temp.resolve("my-vit-30-torch"));
            }
        }
        assertThat(temp.resolve("my-vit-30-torch").resolve(TorchExport.WEIGHTS)).isNotEmptyFile();
    }
}
