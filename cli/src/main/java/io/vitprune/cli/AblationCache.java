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
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Ablation losses measured once per (unit kind, scoring-set size, seed) and kept as JSON in an
 * experiment's work directory: the measurement dominates the experiments' cost, serves KD importance
 * and both stability scopes, and a rerun must not repeat it.
 */
record AblationCache(Path work, Cifar10 train, int images, int batchSize) {
    AblationLosses losses(VisionTransformer model, UnitKind kind, long seed) throws IOException {
        Path file = work.resolve(String.format("losses-%s-%d-images-seed-%d.json", kind.id(), images, seed));
        if (Files.exists(file)) {
            return ModelStore.json().readValue(file.toFile(), AblationLosses.class);
        }
        ProgressBar bar = new ProgressBar(System.err, "ablation " + kind.id() + " seed " + seed, 1);
        AblationLosses losses = AblationEngine.defaults().measure(model, kind, new Cifar10ScoringData(train.randomSample(images, seed)), batchSize,
                (task, done, total) -> bar.update(done, total, task));
        AtomicFiles.write(file, ModelStore.json().writeValueAsBytes(losses));
        return losses;
    }
}
