package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.interop.HfCheckpoint;
import io.vitprune.interop.TimmCheckpoint;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Imports a ViT of another library as a vitprune model: see {@link TimmCheckpoint} and {@link HfCheckpoint}. */
@Command(name = "import", description = "Import a timm ViT / DeiT (model.safetensors + config.json) or a Hugging Face ViT / distilled DeiT "
        + "(model.safetensors + config.json + preprocessor_config.json) as a vitprune model.")
final class ImportCommand implements Callable<Integer> {
    enum Source { TIMM, HF }

    @Option(names = "--from", required = true, description = "Library of the checkpoint: ${COMPLETION-CANDIDATES}.") Source from;
    @Option(names = "--checkpoint", required = true, description = "The checkpoint directory, or its model.safetensors (config.json beside it).")
    Path checkpoint;
    @Option(names = "--out", required = true, description = "Model directory to write.") Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--checkpoint", checkpoint).modelDirectory("--out", out).verify();
        try (NDManager manager = NDManager.newBaseManager();
             VisionTransformer model = from == Source.TIMM ? TimmCheckpoint.read(checkpoint, manager) : HfCheckpoint.read(checkpoint, manager)) {
            ModelStore.save(model, out);
            VitConfig config = model.config();
            System.out.printf("imported %s: image %d, patch %d, dim %d, depth %d, heads %d x %d, mlp %d, classes %d, %,d parameters%n", checkpoint,
                    config.imageSize(), config.patchSize(), config.dim(), config.depth(), config.heads(), config.dimHead(), config.mlpDim(),
                    config.classes(), ModelStats.of(model).parameters());
            System.out.printf("topology %s; preprocessing %s%n", config.topology(), config.preprocessing());
            System.out.println("saved " + out);
        }
        return 0;
    }
}
