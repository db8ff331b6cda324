package io.vitprune.cli;

import io.vitprune.api.UnitKind;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.experiments.DataOption;
import io.vitprune.experiments.Demo;
import io.vitprune.experiments.Invocation;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The main job on the embedded defaults: see {@link Demo}. */
@Command(name = "demo", description = "Prune the bundled model with every strategy found at 30-70%% and print a table.")
final class DemoCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", defaultValue = "models/reference", description = "Model to prune.")
    Path model;

    @Option(names = "--sample", defaultValue = "data/cifar10-test-sample-1000.bin",
            description = "CIFAR-10 binary file to evaluate on (default: the bundled balanced 1,000-image test sample).")
    Path sample;

    @Option(names = "--ratios", split = ",", defaultValue = "0.3,0.4,0.5,0.6,0.7")
    List<Double> ratios;

    @Option(names = "--kind", defaultValue = "attention-channel")
    String kind;

    @Option(names = "--out", defaultValue = "target/demo", description = "Where demo.csv and demo.md are written.")
    Path out;

    @Mixin
    DataOption data;

    @Option(names = "--scoring-images", defaultValue = "32", description = "Images drawn from the training split for data-driven "
            + "scorers (ablation scoring costs units x images forward passes, see 'experiment' for 1,000).")
    int scoringImages;

    @Option(names = "--scoring-seed", defaultValue = "0")
    long scoringSeed;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--sample", sample).input("--data", data.directory()).directory("--out", out).verify();
        new Demo(registry, model, sample, ratios, UnitKind.fromId(kind), out, data.directory(), scoringImages, scoringSeed, Invocation.of(spec)).run();
        return 0;
    }
}
