package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.ScoringData;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.VisionTransformer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * {@code vtp-l1}: trains gates on a copy of the model ({@link VtpGates}) and scores |g|. The
 * scoring data are the training images: the scorer SPI has no other data, so the caller passes a
 * training-split subset as {@link ScoringContext#data()} (the CLI draws {@code --scoring-images}
 * of them). They must be CIFAR-10 images ({@link Cifar10ScoringData}), because training augments
 * the raw pixels. With the {@code work} setting the training checkpoints there and resumes;
 * without it, it runs in a temporary directory that is deleted afterwards.
 *
 * <p>The scores rank units of the gate-trained copy; a plan made from them and applied to the
 * scored model prunes the original weights. Full VTP prunes the gate-trained network with the
 * gates folded in: {@link VtpPruning}.
 */
record VtpScorer(StrategySettings settings) implements Scorer {
    static final String NAME = "vtp-l1";
    static final SettingSpec WORK = SettingSpec.text("work", null, "directory for gate-training checkpoints, so a killed run resumes (default: a temporary one)");
    static final Set<UnitKind> KINDS = Set.of(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT);

    VtpScorer {
        requireNonNull(settings, "settings are null");
    }

    @Override
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        requireNonNull(model, "model is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(context, "context is null");
        if (!(model instanceof VisionTransformer reference)) {
            throw new InvalidInputException("scorer '" + NAME + "' trains a copy of the model: expected a vitprune VisionTransformer, got "
                    + model.getClass().getName());
        }
        VtpSettings vtp = VtpSettings.from(settings, context.seed());
        Cifar10 images = trainingImages(context.requireData(NAME));
        String work = WORK.string(settings);
        try {
            Path directory = work == null ? Files.createTempDirectory("vtp-gates") : Path.of(work);
            try {
                return train(reference, kind, context, vtp, new VtpGates(vtp, images, directory, new PrintStream(OutputStream.nullOutputStream())));
            } finally {
                if (work == null) {
                    AtomicFiles.deleteRecursively(directory);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("VTP gate training in " + (work == null ? "a temporary directory" : work) + " failed", e);
        }
    }

    /** One epoch per call, so that the context's listener hears of each; TrainingRun resumes exactly from its checkpoint. */
    private static UnitScores train(VisionTransformer reference, UnitKind kind, ScoringContext context, VtpSettings vtp, VtpGates gates)
            throws IOException {
        for (int epoch = 1; epoch < vtp.epochs(); epoch++) {
            gates.train(reference, context.manager(), epoch).close();
            context.progress().progress(NAME + " gate training (epochs)", epoch, vtp.epochs());
        }
        try (GatedModel trained = gates.train(reference, context.manager())) {
            context.progress().progress(NAME + " gate training (epochs)", vtp.epochs(), vtp.epochs());
            return trained.scores(kind);
        }
    }

    private static Cifar10 trainingImages(ScoringData data) {
        if (data instanceof Cifar10ScoringData cifar) {
            return cifar.images();
        }
        throw new InvalidInputException("scorer '" + NAME + "' trains on its scoring data with crop and flip augmentation: expected CIFAR-10 "
                + "training images (Cifar10ScoringData), got " + data.getClass().getName());
    }
}
