package io.vitprune.cli;

import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.experiments.DataOption;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Writes a class-balanced random sample of a split in the CIFAR-10 binary layout. */
@Command(name = "sample", description = "Write a class-balanced sample of a CIFAR-10 split (binary layout).")
final class SampleCommand implements Callable<Integer> {
    @Mixin
    DataOption data;

    @Option(names = "--split", defaultValue = "TEST", description = "TRAIN or TEST.")
    Cifar10.Split split;

    @Option(names = "--per-class", defaultValue = "100")
    int perClass;

    @Option(names = "--seed", defaultValue = "20261123")
    long seed;

    @Option(names = "--out", required = true)
    Path out;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--data", data.directory()).file("--out", out).verify();
        Cifar10 sample = Cifar10.load(data.directory(), split).balancedSample(perClass, seed);
        sample.write(out);
        System.out.printf("wrote %d images (%d per class, seed %d) of the %s split to %s%n", sample.size(), perClass, seed, split, out);
        return 0;
    }
}
