package io.vitprune.strategies.tokens;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.TokenPruning;
import io.vitprune.core.train.TrainingOptions;

/**
 * DynamicViT training (methods.md section 4.5): the loss
 * {@code CE + ratioWeight * ratio MSE + klWeight * KL(teacher || student) + tokenWeight * token MSE},
 * hard Gumbel-softmax decisions (tau 1), AdamW (weight decay 0.05 on weight matrices) at peak
 * {@code learningRate} for the predictors and {@code learningRate * backboneScale} for the backbone,
 * warm-up of {@value #WARMUP_EPOCHS} epoch then cosine decay to lr / 100, gradient norm clipped to 1.
 *
 * <p>The published schedule is 30 epochs on ImageNet; on a 2-core CPU the defaults train fewer
 * (see the experiment's notes for what was run).
 */
public record DynamicVitSettings(TokenPruning pruning, int epochs, int batchSize, double learningRate, double backboneScale,
                                 double ratioWeight, double klWeight, double tokenWeight, double labelSmoothing, long seed) {
    static final double WARMUP_EPOCHS = 0.5;
    static final double WEIGHT_DECAY = 0.05;
    static final double MAX_GRADIENT_NORM = 1.0;

    public DynamicVitSettings {
        requireNonNull(pruning, "token pruning is null");
        for (double[] weight : new double[][] {{ratioWeight}, {klWeight}, {tokenWeight}}) {
            if (!(weight[0] >= 0) || Double.isInfinite(weight[0])) {
                throw new InvalidInputException("DynamicViT loss weights ratio " + ratioWeight + ", KL " + klWeight + ", token " + tokenWeight
                        + ": expected finite numbers >= 0");
            }
        }
        if (!(backboneScale >= 0) || Double.isInfinite(backboneScale)) {
            throw new InvalidInputException("DynamicViT backbone learning-rate scale " + backboneScale + ": expected a finite number >= 0 (default 0.01)");
        }
        options(epochs, batchSize, learningRate, labelSmoothing, seed); // checks and names them
    }

    /** The published recipe's weights (ratio 2.0, KL 0.5, token 0.5, backbone lr x 0.01) with {@code epochs}, lr 1e-3, batch 128, smoothing 0.1. */
    public static DynamicVitSettings defaults(TokenPruning pruning, int epochs, long seed) {
        return new DynamicVitSettings(pruning, epochs, 128, 1e-3, 0.01, 2.0, 0.5, 0.5, 0.1, seed);
    }

    public TrainingOptions training() {
        return options(epochs, batchSize, learningRate, labelSmoothing, seed);
    }

    private static TrainingOptions options(int epochs, int batchSize, double learningRate, double labelSmoothing, long seed) {
        return new TrainingOptions(epochs, batchSize, learningRate, learningRate / 100, WEIGHT_DECAY, Math.min(WARMUP_EPOCHS, epochs),
                labelSmoothing, seed, MAX_GRADIENT_NORM);
    }
}
