package io.vitprune.cli;

import io.vitprune.api.UnitKind;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.ProgressBar;
import io.vitprune.strategies.distill.AblationEngine;
import io.vitprune.strategies.distill.AblationLosses;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Ablation losses measured once per (unit kind, scoring-set size, seed) and kept as JSON in an
 * experiment's work directory: the measurement dominates the experiments' cost, serves KD importance
 * and both stability scopes, and a rerun must not repeat it.
 *
 * <p>A measurement in progress keeps its sums after every scoring batch in a separate file,
 * {@code <name>.partial.json} (written atomically), keyed by the model's parameters and the batch
 * size as well; a killed run resumes from it and ends with the same losses. A partial file is never
 * read as a result: only the finished measurement is written under the result's name.
 */
record AblationCache(Path work, Cifar10 train, int images, int batchSize) {
    /** What the partial file holds: the measurement's sums and what they were measured on. */
    record PartialFile(String modelSha256, AblationEngine.Partial partial) { }

    AblationLosses losses(VisionTransformer model, UnitKind kind, long seed) throws IOException {
        String name = String.format("losses-%s-%d-images-seed-%d", kind.id(), images, seed);
        Path file = work.resolve(name + ".json");
        if (Files.exists(file)) {
            return ModelStore.json().readValue(file.toFile(), AblationLosses.class);
        }
        Path partialFile = work.resolve(name + ".partial.json");
        String modelSha256 = sha256(ModelStore.encodeParameters(model));
        AblationEngine.Partial resume = null;
        if (Files.exists(partialFile)) {
            PartialFile saved = ModelStore.json().readValue(partialFile.toFile(), PartialFile.class);
            if (saved.modelSha256().equals(modelSha256) && saved.partial().batchSize() == batchSize) {
                resume = saved.partial();
                System.err.printf("resuming the ablation of %s units after %d of %d images (%s)%n", kind.id(), resume.images(), images, partialFile);
            }
        }
        ProgressBar bar = new ProgressBar(System.err, "ablation " + kind.id() + " seed " + seed, 1);
        AblationLosses losses = AblationEngine.defaults().measure(model, kind, new Cifar10ScoringData(train.randomSample(images, seed)), batchSize,
                (task, done, total) -> bar.update(done, total, task), resume, partial -> {
                    try {
                        AtomicFiles.write(partialFile, ModelStore.json().writeValueAsBytes(new PartialFile(modelSha256, partial)));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
        AtomicFiles.write(file, ModelStore.json().writeValueAsBytes(losses));
        Files.deleteIfExists(partialFile);
        return losses;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
