package io.vitprune.strategies.tokens;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.train.TrainingRun;
import io.vitprune.core.train.WorkSettings;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Trains DynamicViT predictors (and fine-tunes the backbone at a hundredth of their learning rate)
 * on a copy of a model, with the frozen teacher, through core's {@link TrainingRun}: a checkpoint
 * every epoch (backbone, predictors, optimizer) in the work directory, progress per step, and an
 * exact resume when started again there. The models given are never changed.
 *
 * <p>A work directory belongs to one {@link DynamicVitSettings}: other settings are refused
 * ({@code dynamicvit-settings.json}); another starting model is not detected.
 */
public final class DynamicVitTraining {
    static final String SETTINGS_FILE = "dynamicvit-settings.json";

    private final DynamicVitSettings settings;
    private final Cifar10 images;
    private final Path workDirectory;
    private final PrintStream out;

    /** @param images training images (augmented with crops and flips), from the training split */
    public DynamicVitTraining(DynamicVitSettings settings, Cifar10 images, Path workDirectory, PrintStream out) {
        this.settings = requireNonNull(settings, "settings are null");
        this.images = requireNonNull(images, "images are null");
        this.workDirectory = requireNonNull(workDirectory, "work directory is null");
        this.out = requireNonNull(out, "out is null");
    }

    /** Runs the remaining epochs; returns the gathered inference model (the caller closes it). */
    public TokenPrunedModel train(VisionTransformer student, VisionTransformer teacher, NDManager manager) throws IOException {
        return train(student, teacher, manager, settings.epochs());
    }

    /** Like {@link #train(VisionTransformer, VisionTransformer, NDManager)}, stopping after epoch {@code lastEpoch} (checkpointed). */
    public TokenPrunedModel train(VisionTransformer student, VisionTransformer teacher, NDManager manager, int lastEpoch) throws IOException {
        return trainee(student, teacher, manager, lastEpoch).toInferenceModel();
    }

    /** The trained student with its predictors, in training form (for tests and inspection); the caller closes it. */
    public DynamicVitTrainee trainee(VisionTransformer student, VisionTransformer teacher, NDManager manager, int lastEpoch) throws IOException {
        io.vitprune.core.tokens.ClassTokenModels.require(student.config(), "DynamicViT");
        requireNonNull(student, "student model is null");
        requireNonNull(teacher, "teacher model is null");
        settings.pruning().requireFits(student.structure().depth());
        if (student.config().dim() != teacher.config().dim() || student.config().patches() != teacher.config().patches()) {
            throw new InvalidInputException("DynamicViT teacher with dim " + teacher.config().dim() + " and " + teacher.config().patches()
                    + " patches: expected the student's dim " + student.config().dim() + " and " + student.config().patches()
                    + " patches (the token loss compares their tokens)");
        }
        WorkSettings.requireSame(workDirectory, SETTINGS_FILE, settings, "DynamicViT");
        DynamicVitTrainee[] trainee = new DynamicVitTrainee[1];
        TrainingRun run = new TrainingRun(settings.training(), (logits, labels, images) -> trainee[0].objective(teacher).loss(logits, labels, images),
                images, null, workDirectory, out);
        // keepAll surgery is an exact copy in a new manager: the student stays as it was.
        return run.run(() -> Surgery.apply(student, PruningPlan.keepAll(student.structure()), manager), network -> {
            trainee[0] = new DynamicVitTrainee(network, settings);
            return trainee[0];
        }, manager, lastEpoch);
    }
}
