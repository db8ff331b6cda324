package io.vitprune.experiments;

import io.vitprune.api.UnitKind;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.CheckpointDirectory;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.ProgressBar;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.IntStream;

/**
 * Ablation losses measured once per (model, unit kind, scoring-set size, seed, half) and kept as JSON in
 * a directory that experiments share: the measurement dominates their cost, serves KD importance and
 * both stability scopes, and neither a rerun nor another experiment on the same model should repeat
 * it. The file name carries the first 12 hex digits of the model's parameter SHA-256, so another
 * model never reads these losses. The scoring sets are drawn from {@code train}, which must be the
 * full training split (a smoke run's slice would draw other images under the same name).
 *
 * <p>A measurement in progress keeps its sums after every scoring batch in {@code <name>.partial/}
 * (a {@link CheckpointDirectory} scoped to the model's parameters and the batch size); a killed run
 * resumes from it and ends with the same losses. Partial sums are never read as a result: only the
 * finished measurement is written under the result's name.
 */
record AblationCache(Path directory, Cifar10 train, int images, int batchSize) {
    static final String DEFAULT_DIRECTORY = "target/experiments/ablations";

    /** The two halves of one seed's scoring set (its even and its odd images), measured apart, and the whole set as both pooled. */
    record Halves(AblationLosses first, AblationLosses second) {
        AblationLosses whole() {
            return first.pooled(second);
        }
    }

    /**
     * The losses of the seed's scoring set, measured as its two halves: the pooled halves are the
     * losses of the whole set, and the halves give every criterion's split-half reliability at no
     * extra cost.
     */
    Halves halves(VisionTransformer model, UnitKind kind, long seed) throws IOException {
        Cifar10 sample = train.randomSample(images, seed);
        return new Halves(half(model, kind, seed, sample, 0), half(model, kind, seed, sample, 1));
    }

    /** Whether both halves of the seed's scoring set are measured already. */
    boolean has(VisionTransformer model, UnitKind kind, long seed) throws IOException {
        String modelSha256 = ModelStore.parametersSha256(model);
        return IntStream.range(0, 2).allMatch(half -> Files.exists(directory.resolve(name(modelSha256, kind, seed, half) + ".json")));
    }

    private String name(String modelSha256, UnitKind kind, long seed, int half) {
        return String.format("losses-%s-%s-%d-images-seed-%d-half-%d", modelSha256.substring(0, 12), kind.id(), images, seed, half + 1);
    }

    private AblationLosses half(VisionTransformer model, UnitKind kind, long seed, Cifar10 sample, int half) throws IOException {
        String modelSha256 = ModelStore.parametersSha256(model);
        String name = name(modelSha256, kind, seed, half);
        Path file = directory.resolve(name + ".json");
        if (Files.exists(file)) {
            return ModelStore.json().readValue(file.toFile(), AblationLosses.class);
        }
        String job = "ablation of the model with parameters SHA-256 " + modelSha256 + " in scoring batches of " + batchSize;
        CheckpointDirectory partial = CheckpointDirectory.open(directory.resolve(name + ".partial"), job);
        if (partial.resumed()) {
            System.err.printf("resuming the ablation of %s units from %s%n", kind.id(), partial.directory());
        }
        int[] indices = IntStream.range(0, sample.size()).filter(i -> i % 2 == half).toArray();
        AblationLosses losses;
        try (ProgressBar bar = new ProgressBar(System.err, "ablation " + kind.id() + " seed " + seed + " half " + (half + 1) + "/2", 1)) {
            losses = AblationEngine.defaults().measure(model, kind, new Cifar10ScoringData(sample.subset(indices)), batchSize, bar, partial);
        }
        AtomicFiles.write(file, ModelStore.json().writeValueAsBytes(losses));
        partial.delete();
        return losses;
    }
}
