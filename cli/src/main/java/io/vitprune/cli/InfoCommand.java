package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** Prints a model's config, per-block widths, parameters, MACs and file size. */
@Command(name = "info", description = "Show a model's config, block widths, parameters, MACs and saved size.")
final class InfoCommand implements Callable<Integer> {
    @Parameters(index = "0", description = "Model directory.")
    Path model;

    @Override
    public Integer call() throws Exception {
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            VitConfig config = loaded.config();
            ModelStats stats = ModelStats.of(loaded);
            System.out.printf("model        %s%n", model);
            System.out.printf("config       image %d, patch %d, dim %d, depth %d, heads %d x dim_head %d, mlp %d, classes %d%n",
                    config.imageSize(), config.patchSize(), config.dim(), config.depth(), config.heads(), config.dimHead(),
                    config.mlpDim(), config.classes());
            for (int b = 0; b < loaded.structure().depth(); b++) {
                BlockStructure block = loaded.structure().block(b);
                System.out.printf("block %-2d     attention %d channels in %d heads %s, mlp %d%n", b, block.attentionWidth(), block.heads(),
                        block.headWidths(), block.mlpWidth());
            }
            System.out.printf("parameters   %,d%n", stats.parameters());
            System.out.printf("MACs/image   %,d%n", stats.macsPerImage());
            System.out.printf("saved size   %,d bytes%n", ModelStore.directorySize(model));
        }
        return 0;
    }
}
