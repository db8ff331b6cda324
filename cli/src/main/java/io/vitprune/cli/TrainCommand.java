package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.io.WorkRecord;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.train.Objective;
import io.vitprune.core.train.TrainingOptions;
import io.vitprune.core.train.TrainingRun;
import io.vitprune.experiments.DataOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Trains a ViT on CIFAR-10 from scratch, resumably. */
@Command(name = "train", description = "Train a ViT on CIFAR-10 (checkpoints every epoch; rerun to resume).")
final class TrainCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    DataOption data;

    @Option(names = "--work", required = true, description = "Directory for checkpoints and history.csv (rerun with it to resume).")
    Path work;

    @Option(names = "--out", required = true, description = "Where the trained model directory is written.")
    Path out;

    @Option(names = "--dim", defaultValue = "192") int dim;
    @Option(names = "--depth", defaultValue = "6") int depth;
    @Option(names = "--heads", defaultValue = "6") int heads;
    @Option(names = "--dim-head", defaultValue = "32") int dimHead;
    @Option(names = "--mlp", defaultValue = "384") int mlp;
    @Option(names = "--patch", defaultValue = "4") int patch;
    @Option(names = "--epochs", defaultValue = "50") int epochs;
    @Option(names = "--batch-size", defaultValue = "128") int batchSize;
    @Option(names = "--lr", defaultValue = "1e-3", description = "Peak learning rate.") double learningRate;
    @Option(names = "--min-lr", defaultValue = "1e-5") double minLearningRate;
    @Option(names = "--weight-decay", defaultValue = "0.05") double weightDecay;
    @Option(names = "--warmup-epochs", defaultValue = "3") double warmupEpochs;
    @Option(names = "--label-smoothing", defaultValue = "0.1") double labelSmoothing;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Clip the global gradient norm to this (0: no clipping).")
    double maxGradientNorm;
    @Option(names = "--amend", description = "Continue a checkpoint made with other weight decay, label smoothing or clipping "
            + "(the checkpoint records the change).")
    boolean amend;
    @Option(names = "--stop-after", description = "Stop after this epoch (checkpointed); rerun to continue.") Integer stopAfter;
    @Option(names = "--train-limit", description = "Train on the first N training images only (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images after each epoch.") Integer testLimit;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--data", data.directory()).input("--work", work).modelDirectory("--out", out).verify();
        Cifar10 train = data.load(Cifar10.Split.TRAIN, trainLimit);
        WorkRecord record = WorkRecord.check(work, Map.of("--dim", "" + dim, "--depth", "" + depth, "--heads", "" + heads, "--dim-head", "" + dimHead,
                "--mlp", "" + mlp, "--patch", "" + patch, "training data SHA-256", train.identity()));
        VitConfig config = new VitConfig(32, patch, dim, depth, heads, dimHead, mlp, Cifar10.CLASSES);
        if (stopAfter != null && (stopAfter < 1 || stopAfter > epochs)) {
            throw new InvalidInputException("--stop-after " + stopAfter + ": expected an epoch between 1 and --epochs (" + epochs + ")");
        }
        TrainingOptions options = new TrainingOptions(epochs, batchSize, learningRate, minLearningRate, weightDecay, warmupEpochs(),
                labelSmoothing, seed, maxGradientNorm);
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        TrainingRun plain = new TrainingRun(options, Objective.crossEntropy(labelSmoothing), train, test, work, System.out);
        TrainingRun run = amend ? plain.amending() : plain;
        record.write();
        try (NDManager manager = NDManager.newBaseManager()) {
            try (VisionTransformer model = run.run(() -> VisionTransformer.initialize(config, seed, manager), manager,
                    stopAfter == null ? epochs : stopAfter)) {
                ModelStore.save(model, out);
                System.out.println("saved " + out);
            }
        }
        return 0;
    }

    /** The default warm-up is longer than a short run: it is clamped to the run (a given one is not clamped but checked). */
    private double warmupEpochs() {
        if (epochs <= 0 || warmupEpochs <= epochs || spec.commandLine().getParseResult().hasMatchedOption("--warmup-epochs")) {
            return warmupEpochs;
        }
        System.err.printf("warm-up: the default %s epochs clamped to the run's %d epoch%s (set --warmup-epochs to choose)%n",
                warmupEpochs, epochs, epochs == 1 ? "" : "s");
        return epochs;
    }
}
