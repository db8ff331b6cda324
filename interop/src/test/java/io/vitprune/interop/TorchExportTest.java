package io.vitprune.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.Pruning;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.testing.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** python/vitprune_torch.py rebuilds exported models, ragged heads included, with vitprune's logits. */
class TorchExportTest {
    private static final Path MODULE = Path.of("../python/vitprune_torch.py");
    private static final String PYTHON = "/usr/bin/python3";

    @TempDir
    Path temp;

    @Test
    void plainPytorchRebuildsRaggedPrunedModelsOfEveryTopology() throws Exception {
        requireTorch();
        List<BiFunction<Long, NDManager, VisionTransformer>> models = List.of(TestModels::tiny, TestModels::tinyTimm, TestModels::tinyDistilled);
        StrategyRegistry registry = StrategyRegistry.load();
        for (int m = 0; m < models.size(); m++) {
            try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = models.get(m).apply(11L, manager)) {
                PruningPlan plan = Pruning.plan(model, registry.scorer("weight-l1").create(StrategySettings.EMPTY),
                        registry.selector("global").create(StrategySettings.EMPTY), new PruningTarget(UnitKind.ATTENTION_CHANNEL, 0.45),
                        ScoringContext.dataFree(manager));
                try (VisionTransformer pruned = Surgery.apply(model, plan, manager)) {
                    assertThat(pruned.structure().blocks()).as("a ragged plan").anyMatch(block -> block.headWidths().stream().distinct().count() > 1);
                    Path out = temp.resolve("export-" + m);
                    TorchExport.write(pruned, out);
                    NDArray images = TestModels.images(pruned.config(), 3, 5, manager);
                    NDArray logits = pythonLogits(out, images, manager);
                    assertThat(TestModels.maxAbsDifference(logits, pruned.logits(images))).as(model.config().topology().toString()).isLessThan(1e-4f);
                }
            }
        }
    }

    @Test
    void anOutputHoldingOtherFilesIsRefusedAndLeftAlone() throws IOException {
        Path out = Files.createDirectories(temp.resolve("notes"));
        Files.writeString(out.resolve("todo.txt"), "keep me");
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = TestModels.tiny(1, manager)) {
            assertThatThrownBy(() -> TorchExport.write(model, out)).isInstanceOf(InvalidInputException.class)
                    .hasMessageContaining("holds [todo.txt]").hasMessageContaining("nothing was written");
        }
        assertThat(out.resolve("todo.txt")).hasContent("keep me");
        try (var siblings = Files.list(temp)) {
            assertThat(siblings.map(path -> path.getFileName().toString())).containsExactly("notes");
        }
    }

    private NDArray pythonLogits(Path export, NDArray images, NDManager manager) throws Exception {
        Path input = temp.resolve("images.safetensors");
        Path output = temp.resolve("logits.safetensors");
        images.setName("images");
        Files.write(input, new NDList(images).encode(NDList.Encoding.SAFETENSORS));
        Process process = new ProcessBuilder(PYTHON, MODULE.toString(), export.toString(), input.toString(), output.toString())
                .redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(log).isZero();
        try (InputStream in = Files.newInputStream(output)) {
            return NDList.decode(manager, in).get(0);
        }
    }

    /** Skips where Python's torch is absent, except on CI ({@code CI=true}), which must run the test. */
    private static void requireTorch() throws Exception {
        boolean available = Files.isExecutable(Path.of(PYTHON))
                && new ProcessBuilder(PYTHON, "-c", "import torch").redirectErrorStream(true).start().waitFor() == 0;
        if (!available && "true".equalsIgnoreCase(System.getenv("CI"))) {
            fail(PYTHON + " with torch is missing (.ci/run installs Debian's python3-torch)");
        }
        assumeTrue(available, PYTHON + " with torch is missing");
    }
}
