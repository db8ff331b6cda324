package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.strategies.tokens.DynamicVitSettings;
import io.vitprune.strategies.tokens.DynamicVitTraining;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** DynamicViT predictor training as {@code train-tokens} and the DynamicViT experiment run it: resumable, saved once finished. */
public final class TokenTraining {
    private TokenTraining() {
    }

    /**
     * Trains (or resumes) predictors on a copy of {@code student} against {@code teacher} and, once
     * every epoch is done, saves the token-pruned model to {@code out}; returns the training seconds
     * of every epoch so far, sessions before a resume included (from the run's history.csv).
     */
    public static double train(VisionTransformer student, VisionTransformer teacher, DynamicVitSettings settings, Cifar10 train, Path work, Path out,
                        int lastEpoch, NDManager manager) throws IOException {
        try (TokenPrunedModel trained = new DynamicVitTraining(settings, train, work, System.out).train(student, teacher, manager, lastEpoch)) {
            if (lastEpoch >= settings.epochs()) {
                TokenModelStore.save(trained, settings.seed(), out);
            }
        }
        return trainingSeconds(work);
    }

    /** Sum of the {@code seconds} column of {@code work/history.csv} (0 without one). */
    public static double trainingSeconds(Path work) throws IOException {
        Path history = work.resolve("history.csv");
        if (!Files.exists(history)) {
            return 0;
        }
        List<String> lines = Files.readAllLines(history);
        int column = Arrays.asList(lines.get(0).split(",")).indexOf("seconds");
        return lines.stream().skip(1).mapToDouble(line -> Double.parseDouble(line.split(",")[column])).sum();
    }
}
