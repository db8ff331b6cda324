package io.vitprune.strategies.distill.dynamicvit;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.train.TrainingRun;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
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
        requireNonNull(student, "student model is null");
        requireNonNull(teacher, "teacher model is null");
        settings.pruning().requireFits(student.structure().depth());
        if (student.config().dim() != teacher.config().dim() || student.config().patches() != teacher.config().patches()) {
            throw new InvalidInputException("DynamicViT teacher with dim " + teacher.config().dim() + " and " + teacher.config().patches()
                    + " patches: expected the student's dim " + student.config().dim() + " and " + student.config().patches()
                    + " patches (the token loss compares their tokens)");
        }
        requireSameSettings();
        DynamicVitTrainee[] trainee = new DynamicVitTrainee[1];
        TrainingRun run = new TrainingRun(settings.training(), (logits, labels, images) -> trainee[0].objective(teacher).loss(logits, labels, images),
                images, null, workDirectory, out);
        return run.run(() -> copy(student, manager), network -> {
            trainee[0] = new DynamicVitTrainee(network, settings);
            return trainee[0];
        }, manager, lastEpoch);
    }

    /**
     * An exact copy of {@code model} in a new manager, through its saved encoding: fresh contiguous
     * arrays, as a resumed run gets from its checkpoint, so that both train on identically laid out weights.
     */
    static VisionTransformer copy(VisionTransformer model, NDManager manager) {
        try (NDManager staging = manager.newSubManager()) {
            java.util.Map<String, ai.djl.ndarray.NDArray> arrays = new java.util.LinkedHashMap<>();
            for (ai.djl.ndarray.NDArray array : ai.djl.ndarray.NDList.decode(staging, ModelStore.encodeParameters(model))) {
                arrays.put(array.getName(), array);
            }
            return VisionTransformer.fromParameters(model.config(), model.structure(), arrays, manager);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void requireSameSettings() throws IOException {
        Path file = workDirectory.resolve(SETTINGS_FILE);
        if (Files.exists(file)) {
            DynamicVitSettings saved = ModelStore.json().readValue(file.toFile(), DynamicVitSettings.class);
            if (!saved.equals(settings)) {
                throw new InvalidInputException("DynamicViT work directory " + workDirectory + " was made with " + saved + ": this run asks for "
                        + settings + " (use another work directory or the same settings)");
            }
            return;
        }
        Files.createDirectories(workDirectory);
        AtomicFiles.writeString(file, ModelStore.json().writeValueAsString(settings));
    }
}
