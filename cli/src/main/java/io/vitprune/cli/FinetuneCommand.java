package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.ImageFolder;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.data.TrainingImages;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.io.WorkRecord;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.Distillation;
import io.vitprune.core.train.TrainingOptions;
import io.vitprune.core.train.TrainingRun;
import io.vitprune.experiments.DataOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Fine-tunes a pruned model with CE + beta * KL(teacher || student), the unpruned model as frozen teacher. */
@Command(name = "finetune", description = "Fine-tune a pruned model with knowledge distillation from the unpruned model (resumable).")
final class FinetuneCommand implements Callable<Integer> {
    @Mixin
    DataOption data;

    @Option(names = "--model", required = true, description = "The pruned model to fine-tune.")
    Path model;

    @Option(names = "--teacher", defaultValue = "models/reference", description = "The frozen teacher.")
    Path teacher;

    @Option(names = "--work", required = true, description = "Directory for checkpoints and history.csv (rerun with it to resume).")
    Path work;

    @Option(names = "--out", required = true, description = "Where the fine-tuned model is written.")
    Path out;

    @Option(names = "--epochs", defaultValue = "1") int epochs;
    @Option(names = "--batch-size", defaultValue = "128") int batchSize;
    @Option(names = "--lr", defaultValue = "2e-4") double learningRate;
    @Option(names = "--min-lr", defaultValue = "1e-6") double minLearningRate;
    @Option(names = "--weight-decay", defaultValue = "0.05") double weightDecay;
    @Option(names = "--warmup-epochs", defaultValue = "0.1") double warmupEpochs;
    @Option(names = "--label-smoothing", defaultValue = "0.1") double labelSmoothing;
    @Option(names = "--beta", defaultValue = "1.0", description = "Weight of the KL term.") double beta;
    @Option(names = "--temperature", defaultValue = "1.0") double temperature;
    @Option(names = "--seed", defaultValue = "42") long seed;
    @Option(names = "--max-grad-norm", defaultValue = "1.0", description = "Clip the global gradient norm to this (0: no clipping).")
    double maxGradientNorm;
    @Option(names = "--images", description = "Fine-tune on this folder of labelled images (one sub-folder per class, JPEG / PNG), "
            + "preprocessed as the model's config says, instead of CIFAR-10's training split.") Path images;
    @Option(names = "--test-images", description = "With --images: evaluate after each epoch on this folder (without it, no evaluation).")
    Path testImages;
    @Option(names = "--train-limit", description = "Fine-tune on the first N training images only (with --images: N drawn with seed 0).")
    Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images after each epoch.") Integer testLimit;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--teacher", teacher).input("--data", data.directory()).input("--images", images)
                .input("--test-images", testImages).input("--work", work).modelDirectory("--out", out).verify();
        if (testImages != null && images == null) {
            throw new InvalidInputException("--test-images without --images: the CIFAR-10 test split is the evaluation set of a CIFAR-10 run");
        }
        Preprocessing preprocessing = ModelStore.readManifest(model).config().preprocessing();
        Preprocessing teacherPreprocessing = ModelStore.readManifest(teacher).config().preprocessing();
        if (!teacherPreprocessing.equals(preprocessing)) {
            throw new InvalidInputException("--teacher " + teacher + " expects images preprocessed as " + teacherPreprocessing + ", --model "
                    + model + " as " + preprocessing + ": expected a teacher of the same input");
        }
        TrainingImages train = images == null ? data.load(Cifar10.Split.TRAIN, trainLimit)
                : trainLimit == null ? ImageFolder.open(images, preprocessing) : ImageFolder.open(images, preprocessing).sample(trainLimit, 0);
        train.requireFeeds(preprocessing, "fine-tuned on them");
        TrainingImages test = images == null ? data.load(Cifar10.Split.TEST, testLimit)
                : testImages == null ? null : ImageFolder.open(testImages, preprocessing);
        WorkRecord record = WorkRecord.check(work, Map.of("--model", ModelStore.identity(model), "--teacher", ModelStore.identity(teacher),
                "--beta", String.valueOf(beta), "--temperature", String.valueOf(temperature), "training data SHA-256", train.identity()));
        TrainingOptions options = new TrainingOptions(epochs, batchSize, learningRate, minLearningRate, weightDecay, warmupEpochs,
                labelSmoothing, seed, maxGradientNorm);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer frozen = ModelStore.load(teacher, manager)) {
            Distillation objective = new Distillation(frozen, beta, temperature, labelSmoothing);
            TrainingRun run = new TrainingRun(options, objective, train, test, work, System.out);
            record.write();
            try (VisionTransformer tuned = run.run(() -> ModelStore.load(model, manager), manager)) {
                ModelStore.save(tuned, out);
                System.out.println("saved " + out);
            }
        }
        return 0;
    }
}
