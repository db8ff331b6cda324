package io.vitprune.experiments;

import io.vitprune.core.data.Cifar10;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where CIFAR-10 lives: {@code --data}, else {@code -Dvitprune.cifar10.dir}, else {@code VITPRUNE_CIFAR10}, else ../shared/datasets/cifar10. */
public final class DataOption {
    @Option(names = "--data", description = "Directory with the CIFAR-10 binary files.",
            defaultValue = "${sys:vitprune.cifar10.dir:-${env:VITPRUNE_CIFAR10:-../shared/datasets/cifar10}}")
    Path directory;

    public Path directory() {
        return directory;
    }

    /** A split of the data set, cut to its first {@code limit} images when a limit is given (smoke runs). */
    public Cifar10 load(Cifar10.Split split, Integer limit) {
        Cifar10 images = Cifar10.load(directory, split);
        return limit == null ? images : images.limit(limit);
    }
}
