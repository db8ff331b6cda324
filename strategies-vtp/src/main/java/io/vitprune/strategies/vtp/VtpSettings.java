package io.vitprune.strategies.vtp;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.StrategySettings;
import io.vitprune.core.train.TrainingOptions;

/**
 * Gate training (methods.md section 4.4): {@code epochs} of task loss + {@code lambda * sum |g|},
 * AdamW at peak {@code learningRate} for the network's weights and {@code gateLearningRate} for the
 * gates. The rest of the recipe is that of KD fine-tuning, since gate
 * training also starts from a trained model: 0.1 warm-up epoch, cosine decay to lr / 100, weight
 * decay 0.05 on weight matrices (not on the gates), label smoothing 0.1.
 *
 * <p>With AdamW a gate moves by about its learning rate per step whatever lambda is: lambda sets
 * the balance against the task gradient, the gates' learning rate and the number of steps how far
 * gates can travel from 1. At the network's fine-tuning rate (2e-4) three epochs move a gate by
 * about 0.1 at most, so the gates get their own, larger rate: 1e-2 lets them reach 0 within an epoch.
 */
public record VtpSettings(int epochs, double lambda, double learningRate, double gateLearningRate, int batchSize, long seed) {
    public static final String EPOCHS = "epochs";
    public static final String LAMBDA = "lambda";
    public static final String LEARNING_RATE = "lr";
    public static final String GATE_LEARNING_RATE = "gate-lr";
    public static final String BATCH_SIZE = "batch-size";
    public static final String SEED = "seed";

    static final double WARMUP_EPOCHS = 0.1;
    static final double WEIGHT_DECAY = 0.05;
    static final double LABEL_SMOOTHING = 0.1;
    static final double MAX_GRADIENT_NORM = 1.0;

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

    /** 3 epochs, lambda 1e-4, lr 2e-4 (as KD fine-tuning), gate lr 1e-2, batch 128, seed 42. */
    public static VtpSettings defaults() {
        return new VtpSettings(3, 1e-4, 2e-4, 1e-2, 128, 42);
    }

    /** The named settings over {@link #defaults()}, the seed defaulting to {@code seed}. */
    public static VtpSettings from(StrategySettings settings, long seed) {
        VtpSettings defaults = defaults();
        return new VtpSettings(settings.integer(EPOCHS, defaults.epochs), settings.number(LAMBDA, defaults.lambda),
                settings.number(LEARNING_RATE, defaults.learningRate), settings.number(GATE_LEARNING_RATE, defaults.gateLearningRate),
                settings.integer(BATCH_SIZE, defaults.batchSize),
                seed(settings, seed));
    }

    /** The training-loop options of this recipe. */
    public TrainingOptions training() {
        return options(epochs, batchSize, learningRate, seed);
    }

    private static TrainingOptions options(int epochs, int batchSize, double learningRate, long seed) {
        return new TrainingOptions(epochs, batchSize, learningRate, learningRate / 100, WEIGHT_DECAY, WARMUP_EPOCHS, LABEL_SMOOTHING, seed,
                MAX_GRADIENT_NORM);
    }

    private static long seed(StrategySettings settings, long fallback) {
        String value = settings.string(SEED, Long.toString(fallback));
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("setting '" + SEED + "' = '" + value + "': expected an integer");
        }
    }
}
