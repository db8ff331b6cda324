package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.surgery.Surgery;
import io.vitprune.core.train.Objective;
import io.vitprune.core.train.TrainingRun;
import io.vitprune.core.train.WorkSettings;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * VTP's gate training (methods.md section 4.4): a copy of the reference model with gates of 1
 * trains, weights and gates together, on cross-entropy + {@code lambda * sum |g|}. It runs on
 * core's {@link TrainingRun}, so it checkpoints every epoch (gates included) in the work
 * directory and, started again there, resumes exactly. The reference model is never changed: VTP
 * prunes the gate-trained copy, which {@link GatedModel#network()} returns.
 *
 * <p>A work directory belongs to one reference model and one {@link VtpSettings}: other settings
 * are refused; another reference model is not detected (the checkpoint replaces it).
 */
public final class VtpGates {
    static final String SETTINGS_FILE = "vtp-settings.json";

    private final VtpSettings settings;
    private final Cifar10 images;
    private final Path workDirectory;
    private final PrintStream out;

    /**
     * @param images training images (augmented with crops and flips, as in training), from the training split
     * @param out where per-step progress goes
     */
    public VtpGates(VtpSettings settings, Cifar10 images, Path workDirectory, PrintStream out) {
        this.settings = requireNonNull(settings, "settings are null");
        this.images = requireNonNull(images, "images are null");
        this.workDirectory = requireNonNull(workDirectory, "work directory is null");
        this.out = requireNonNull(out, "out is null");
    }

    /** Trains a copy of {@code reference} (in a sub-manager of {@code manager}) in a temporary directory, deleted afterwards. */
    public static GatedModel train(VisionTransformer reference, Cifar10 images, VtpSettings settings, NDManager manager) throws IOException {
        Path work = Files.createTempDirectory("vtp-gates");
        try {
            return new VtpGates(settings, images, work, new PrintStream(OutputStream.nullOutputStream())).train(reference, manager);
        } finally {
            AtomicFiles.deleteRecursively(work);
        }
    }

    /** Runs the remaining epochs and returns the trained gated copy; the caller closes it. */
    public GatedModel train(VisionTransformer reference, NDManager manager) throws IOException {
        return train(reference, manager, settings.epochs());
    }

    /** Like {@link #train(VisionTransformer, NDManager)}, but stops after epoch {@code lastEpoch} (checkpointed). */
    public GatedModel train(VisionTransformer reference, NDManager manager, int lastEpoch) throws IOException {
        requireNonNull(reference, "reference model is null");
        // TrainingRun checks its own options; lambda and the gates' rate are VTP's, so the work directory records them.
        WorkSettings.requireSame(workDirectory, SETTINGS_FILE, settings, "VTP");
        TrainingRun run = new TrainingRun(settings.training(), Objective.crossEntropy(settings.training().labelSmoothing()), images, null,
                workDirectory, out);
        // keepAll surgery is an exact copy in a new manager: the reference model stays as it was.
        return run.run(() -> Surgery.apply(reference, PruningPlan.keepAll(reference.structure()), manager),
                network -> GatedModel.ones(network, settings.lambda(), settings.gateLearningRateScale()), manager, lastEpoch);
    }
}
