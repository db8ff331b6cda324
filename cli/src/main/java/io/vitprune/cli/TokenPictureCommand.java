package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.experiments.DataOption;
import io.vitprune.experiments.TokenPicture;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Draws test images with the patches a token-pruned model dropped greyed out, one column per stage. */
@Command(name = "token-picture", description = "PNG of test images with the patches a token-pruned model dropped greyed out at each stage.")
final class TokenPictureCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Mixin
    DataOption data;

    @Option(names = "--model", required = true, description = "A token-pruned model directory (train-tokens --out).") Path model;
    @Option(names = "--out", required = true, description = "The PNG to write.") Path out;
    @Option(names = "--images", defaultValue = "8", description = "How many test images.") int images;
    @Option(names = "--first", defaultValue = "0", description = "Index of the first test image.") int first;
    @Option(names = "--file", description = "A CIFAR-10 binary file to draw from instead of the test split.") Path file;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--file", file).input("--data", data.directory()).file("--out", out).verify();
        Cifar10 all = file != null ? Cifar10.read(file) : data.load(Cifar10.Split.TEST, null);
        if (images < 1 || first < 0 || first + images > all.size()) {
            throw new InvalidInputException("--first " + first + " --images " + images + ": expected 1 or more images within the " + all.size()
                    + " images available");
        }
        Cifar10 chosen = all.subset(java.util.stream.IntStream.range(first, first + images).toArray());
        try (NDManager manager = NDManager.newBaseManager();
             TokenPrunedModel loaded = TokenModelStore.load(model, registry, manager)) {
            TokenPicture.write(loaded, chosen, out);
        }
        System.out.println("wrote " + out);
        return 0;
    }
}
