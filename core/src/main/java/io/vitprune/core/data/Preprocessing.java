package io.vitprune.core.data;

import java.util.List;

/**
 * How raw pixels become a model's input: RGB in (channel, row, column) order, each value scaled to
 * [0, 1] and then normalised per channel, {@code (x / 255 - mean[c]) / std[c]}, at
 * {@code size} x {@code size} pixels (no resize or crop). What a deployment must do before it feeds
 * an exported model.
 */
public record Preprocessing(int size, List<Float> mean, List<Float> std) {
    /** CIFAR-10's: the training split's per-channel mean and standard deviation, at 32 x 32. */
    public static final Preprocessing CIFAR10 = new Preprocessing(32, List.of(0.4914f, 0.4822f, 0.4465f), List.of(0.2470f, 0.2435f, 0.2616f));

    public Preprocessing {
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (mean.size() != 3 || std.size() != 3) {
            throw new IllegalArgumentException("expected 3 channels, got mean " + mean + " and std " + std);
        }
    }
}
