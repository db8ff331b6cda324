package io.vitprune.core.train;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelTraining;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.Regularizer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.TrainingSpec;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Core's {@link ModelTraining}: a {@link TrainingRun} of a copy of a {@link VisionTransformer} with a
 * plug-in's {@link Regularizer} ({@link RegularizedTrainable}) on CIFAR-10 training images, augmented
 * with crops and flips, cross-entropy and the {@linkplain TrainingOptions#fromTrained fine-tuning
 * recipe}. Copies and optimizer state live in sub-managers of {@code manager}.
 */
public record HostTraining(Cifar10 images, NDManager manager) implements ModelTraining {
    /** Records what TrainingRun does not check itself, so that a resume never mixes two recipes. */
    static final String SETTINGS_FILE = "regularizer-settings.json";

    /** What the work directory is bound to besides the training options. */
    record RegularizerSettings(double parameterLearningRate, String recipe) { }

    public HostTraining {
        requireNonNull(images, "images are null");
        requireNonNull(manager, "manager is null");
    }

    /** {@code context}, offering training where it has none and the host can train {@code model} on its data. */
    public static ScoringContext offer(PrunableModel model, ScoringContext context) {
        if (context.training().isPresent() || !(model instanceof VisionTransformer)) {
            return context;
        }
        return context.data()
                .filter(Cifar10ScoringData.class::isInstance)
                .map(data -> context.withTraining(new HostTraining(((Cifar10ScoringData) data).images(), context.manager())))
                .orElse(context);
    }

    @Override
    public void train(PrunableModel model, TrainingSpec spec, Regularizer regularizer, ProgressListener progress) {
        requireNonNull(spec, "spec is null");
        requireNonNull(regularizer, "regularizer is null");
        requireNonNull(progress, "progress is null");
        if (!(model instanceof VisionTransformer reference)) {
            throw new InvalidInputException("the host trains its own models (VisionTransformer) only: got "
                    + (model == null ? "null" : model.getClass().getName()));
        }
        try {
            Path directory = spec.workDirectory().isPresent() ? spec.workDirectory().get() : Files.createTempDirectory("vitprune-training");
            try {
                train(reference, spec, regularizer, directory, progress);
            } finally {
                if (spec.workDirectory().isEmpty()) {
                    AtomicFiles.deleteRecursively(directory);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("training in " + spec.workDirectory().map(Path::toString).orElse("a temporary directory") + " failed", e);
        }
    }

    /** One epoch per run, so that progress hears of each; TrainingRun resumes exactly from its checkpoint. */
    private void train(VisionTransformer reference, TrainingSpec spec, Regularizer regularizer, Path directory, ProgressListener progress)
            throws IOException {
        WorkSettings.requireSame(directory, SETTINGS_FILE, new RegularizerSettings(spec.parameterLearningRate(), regularizer.recipe()), "training");
        TrainingOptions options = TrainingOptions.fromTrained(spec.epochs(), spec.batchSize(), spec.learningRate(), spec.seed());
        TrainingRun run = new TrainingRun(options, Objective.crossEntropy(options.labelSmoothing()), images, null, directory,
                new PrintStream(OutputStream.nullOutputStream()));
        double parameterScale = spec.parameterLearningRate() / spec.learningRate();
        for (int epoch = 1; epoch <= spec.epochs(); epoch++) {
            // keepAll surgery is an exact copy in a new manager: the reference model stays as it was.
            run.run(() -> Surgery.apply(reference, PruningPlan.keepAll(reference.structure()), manager),
                    network -> new RegularizedTrainable(network, regularizer, parameterScale), manager, epoch).close();
            progress.progress("training (epochs)", epoch, spec.epochs());
        }
    }
}
