package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelTraining;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * {@code vtp-l1}: trains {@link Gates} on a copy of the model through the host's training contract
 * ({@link ScoringContext#training()}) and scores |g|. The scoring data are the training images: the
 * scorer SPI has no other data, so the caller passes a training-split subset as
 * {@link ScoringContext#data()} (the CLI draws {@code --scoring-images} of them); vitprune's host
 * trains on CIFAR-10 images, augmented. With the {@code work} setting the training checkpoints
 * there and resumes; without it, it runs in a temporary directory that is deleted afterwards.
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
        VtpSettings vtp = VtpSettings.from(settings, context.seed());
        context.requireData(NAME);
        ModelTraining training = context.training().orElseThrow(() -> new InvalidInputException("scorer '" + NAME + "' trains gates on its "
                + "scoring data with crop and flip augmentation: the host offers no training here (expected CIFAR-10 training images "
                + "(Cifar10ScoringData) and a vitprune model)"));
        // The gates live in a sub-manager of the context's, so they are freed once scored.
        try (NDManager gateManager = context.manager().newSubManager()) {
            Gates gates = Gates.ones(model.structure(), vtp.lambda(), gateManager);
            training.train(model, vtp.spec(Optional.ofNullable(WORK.string(settings)).map(Path::of)), gates,
                    (task, done, total) -> context.progress().progress(NAME + " gate training (epochs)", done, total));
            return gates.scores(model.structure(), kind);
        }
    }
}
