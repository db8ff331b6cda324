package io.vitprune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The acceptance path on the trained model shipped in the repository. */
class BundledModelTest {
    static final Path BUNDLED = Path.of("../models/reference");

    @TempDir
    Path temp;

    @Test
    void weightL1GlobalAtHalfGivesASmallerModelThatReloadsAndEvaluates() throws IOException {
        Path pruned = temp.resolve("pruned");

        CliRun prune = CliRun.of("prune", "--model", BUNDLED.toString(), "--scorer", "weight-l1", "--selector", "global",
                "--ratio", "0.5", "--out", pruned.toString());
        CliRun eval = CliRun.of("eval", "--model", pruned.toString(), "--file", CliTest.SAMPLE.toString(), "--limit", "200");

        assertThat(prune.exitCode()).as(prune.err()).isZero();
        assertThat(ModelStore.directorySize(pruned)).isLessThan(ModelStore.directorySize(BUNDLED));
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer reloaded = ModelStore.load(pruned, manager);
                VisionTransformer base = ModelStore.load(BUNDLED, manager)) {
            long actual = reloaded.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            assertThat(actual).isEqualTo(ModelStats.of(reloaded).parameters());
            assertThat(reloaded.structure().totalUnits(io.vitprune.api.UnitKind.ATTENTION_CHANNEL))
                    .isEqualTo(base.structure().totalUnits(io.vitprune.api.UnitKind.ATTENTION_CHANNEL) / 2);
        }
        assertThat(eval.exitCode()).as(eval.err()).isZero();
        assertThat(eval.out()).contains("of 200 images");
    }
}
