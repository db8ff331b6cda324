package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Prints a model's config, per-block widths, parameters, MACs and file size. */
@Command(name = "info", description = "Show a model's config, block widths, parameters, MACs and saved size.")
final class InfoCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Option(names = "--model", description = "Model directory (plain or token-pruned).")
    Path modelOption;

    @Parameters(index = "0", arity = "0..1", description = "The model directory, as --model gives it.")
    Path modelPositional;

    @Override
    public Integer call() throws Exception {
        if ((modelOption == null) == (modelPositional == null)) {
            throw new InvalidInputException("info: expected the model directory once, as --model DIR (or as the one argument)");
        }
        Path model = modelOption != null ? modelOption : modelPositional;
        if (TokenModelStore.isTokenModel(model)) {
            try (NDManager manager = NDManager.newBaseManager(); TokenPrunedModel loaded = TokenModelStore.load(model, registry, manager)) {
                print(model, loaded.backbone(), loaded.stats(), TokenModelStore.directorySize(model));
                System.out.printf("tokens       rho %s before blocks %s, scorer %s, selector %s; tokens per block %s (backbone %,d MACs/image)%n",
                        loaded.pruning().rho(), loaded.pruning().stages(), loaded.strategies().scorer(), loaded.strategies().selector(),
                        java.util.Arrays.toString(loaded.tokensPerBlock()), ModelStats.of(loaded.backbone()).macsPerImage());
            }
            return 0;
        }
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            print(model, loaded, ModelStats.of(loaded), ModelStore.directorySize(model));
        }
        return 0;
    }

    private static void print(Path model, VisionTransformer loaded, ModelStats stats, long size) {
        VitConfig config = loaded.config();
        System.out.printf("model        %s%n", model);
        System.out.printf("config       image %d, patch %d, dim %d, depth %d, heads %d x dim_head %d, mlp %d, classes %d%n",
                config.imageSize(), config.patchSize(), config.dim(), config.depth(), config.heads(), config.dimHead(),
                config.mlpDim(), config.classes());
        System.out.printf("topology     %s, %d tokens%n", config.topology(), config.tokens());
        for (int b = 0; b < loaded.structure().depth(); b++) {
            BlockStructure block = loaded.structure().block(b);
            System.out.printf("block %-2d     attention %d channels in %d heads %s, mlp %d%n", b, block.attentionWidth(), block.heads(),
                    block.headWidths(), block.mlpWidth());
        }
        System.out.printf("parameters   %,d%n", stats.parameters());
        System.out.printf("MACs/image   %,d%n", stats.macsPerImage());
        System.out.printf("saved size   %,d bytes%n", size);
    }
}
