package io.vitprune.core.data;

import com.fasterxml.jackson.annotation.JsonIgnore;
import io.vitprune.api.InvalidInputException;
import java.util.List;
import java.util.Objects;

/**
 * How an image becomes a model's input: resized so that its shorter side is {@code resize} pixels
 * ({@code interpolation}), center-cropped to {@code size} x {@code size}, RGB in (channel, row,
 * column) order, each value scaled to [0, 1] and normalised per channel,
 * {@code (x / 255 - mean[c]) / std[c]}. What a deployment must do before it feeds the model, and
 * what vitprune's own data must match.
 */
public record Preprocessing(int size, int resize, String interpolation, List<Double> mean, List<Double> std) {
    /** CIFAR-10's as vitprune trains on it: 32 x 32 as stored, the training split's per-channel mean and standard deviation. */
    public static final Preprocessing CIFAR10 = cifar10Normalised(32);

    public Preprocessing {
        Objects.requireNonNull(interpolation, "interpolation is null");
        mean = List.copyOf(mean);
        std = List.copyOf(std);
        if (size <= 0 || resize < size) {
            throw new InvalidInputException("preprocessing size " + size + ", resize " + resize + ": expected 0 < size <= resize");
        }
        if (mean.size() != 3 || std.size() != 3 || std.stream().anyMatch(s -> !(s > 0))) {
            throw new InvalidInputException("preprocessing mean " + mean + ", std " + std + ": expected 3 channels each, std > 0");
        }
    }

    /** CIFAR-10's normalisation at {@code size} x {@code size} pixels as given (no resize): the default of a config of that size. */
    public static Preprocessing cifar10Normalised(int size) {
        return new Preprocessing(size, size, "none", List.of(0.4914, 0.4822, 0.4465), List.of(0.2470, 0.2435, 0.2616));
    }

    /** Whether this is {@link #cifar10Normalised} at its size. */
    @JsonIgnore
    public boolean isCifar10Normalised() {
        return equals(cifar10Normalised(size));
    }

    /**
     * Fails unless a model of this preprocessing can be fed vitprune's CIFAR-10 batches, which are
     * 32 x 32 and normalised as {@link #CIFAR10}; {@code use} says what it would be fed for.
     */
    public void requireCifar10(String use) {
        if (!equals(CIFAR10)) {
            throw new InvalidInputException("a model that expects images preprocessed as " + this + " cannot be " + use + ": vitprune's "
                    + "CIFAR-10 data is " + CIFAR10 + " (other image data is not supported yet)");
        }
    }
}
