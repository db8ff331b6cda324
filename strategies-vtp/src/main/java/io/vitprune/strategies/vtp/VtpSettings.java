package io.vitprune.strategies.vtp;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TrainingSpec;
import io.vitprune.core.train.TrainingOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Gate training (methods.md section 4.4): {@code epochs} of task loss + {@code lambda * sum |g|},
 * AdamW at peak {@code learningRate} for the network's weights and {@code gateLearningRate} for the
 * gates. The rest of the recipe is that of KD fine-tuning ({@link TrainingOptions#fromTrained}),
 * since gate training also starts from a trained model: 0.1 warm-up epoch, cosine decay to lr / 100,
 * weight decay 0.05 on weight matrices (not on the gates), label smoothing 0.1.
 *
 * <p>With AdamW a gate moves by about its learning rate per step whatever lambda is: lambda sets
 * the balance against the task gradient, the gates' learning rate and the number of steps how far
 * gates can travel from 1. At the network's fine-tuning rate (2e-4) three epochs move a gate by
 * about 0.1 at most, so the gates get their own, larger rate: 1e-2 lets them reach 0 within an epoch.
 */
public record VtpSettings(int epochs, double lambda, double learningRate, double gateLearningRate, int batchSize, long seed) {
    /** Defaults as text, for the specs and for command-line options that set the same values. */
    public static final String DEFAULT_LEARNING_RATE = "2e-4";
    public static final String DEFAULT_GATE_LEARNING_RATE = "1e-2";

    public static final SettingSpec EPOCHS = SettingSpec.integer("epochs", 3, "epochs of gate training");
    public static final SettingSpec LAMBDA = SettingSpec.number("lambda", 1e-4, "weight of the L1 penalty sum |g|");
    public static final SettingSpec LEARNING_RATE = SettingSpec.number("lr", Double.parseDouble(DEFAULT_LEARNING_RATE),
            "peak learning rate of the network's weights (as KD fine-tuning)");
    public static final SettingSpec GATE_LEARNING_RATE = SettingSpec.number("gate-lr", Double.parseDouble(DEFAULT_GATE_LEARNING_RATE),
            "peak learning rate of the gates");
    public static final SettingSpec BATCH_SIZE = SettingSpec.integer("batch-size", 128, "training batch size");
    public static final SettingSpec SEED = SettingSpec.integer("seed", null, "seed of the training order and augmentation (default: the scoring seed)");
    /** Every setting of the recipe. */
    public static final List<SettingSpec> SETTINGS = List.of(EPOCHS, LAMBDA, LEARNING_RATE, GATE_LEARNING_RATE, BATCH_SIZE, SEED);

    public VtpSettings {
        if (!(lambda >= 0 && Double.isFinite(lambda))) {
            throw new InvalidInputException("VTP lambda " + lambda + ": expected a finite number >= 0 (default 1e-4)");
        }
        options(epochs, batchSize, learningRate, seed); // checks epochs, batch size and learning rate, naming them
        if (!(gateLearningRate > 0 && Double.isFinite(gateLearningRate))) {
            throw new InvalidInputException("VTP gate learning rate " + gateLearningRate + ": expected a finite number > 0 (default 1e-2)");
        }
    }

    /** The gates' learning rate as a multiple of the network's (the optimizer's per-parameter scale). */
    public double gateLearningRateScale() {
        return gateLearningRate / learningRate;
    }

    /** The specs' defaults, seed 42. */
    public static VtpSettings defaults() {
        return from(StrategySettings.EMPTY, 42);
    }

    /** The named settings over the specs' defaults, the seed defaulting to {@code seed}. */
    public static VtpSettings from(StrategySettings settings, long seed) {
        String givenSeed = SEED.string(settings);
        return new VtpSettings(EPOCHS.integer(settings), LAMBDA.number(settings), LEARNING_RATE.number(settings), GATE_LEARNING_RATE.number(settings),
                BATCH_SIZE.integer(settings), givenSeed == null ? seed : Long.parseLong(givenSeed));
    }

    /** This recipe as the host's training contract asks for it; {@link #training()} is what core's host runs for it. */
    public TrainingSpec spec(Optional<Path> workDirectory) {
        return new TrainingSpec(epochs, learningRate, gateLearningRate, batchSize, seed, workDirectory);
    }

    /** The training-loop options of this recipe. */
    public TrainingOptions training() {
        return options(epochs, batchSize, learningRate, seed);
    }

    private static TrainingOptions options(int epochs, int batchSize, double learningRate, long seed) {
        return TrainingOptions.fromTrained(epochs, batchSize, learningRate, seed);
    }
}
