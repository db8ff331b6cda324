package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.data.ImageFolder;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.train.ProgressBar;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Options shared by commands that score: strategy settings and the scoring set. */
final class StrategyOptions {
    @Option(names = "--scorer-setting", description = "Scorer setting key=value (repeatable).")
    Map<String, String> scorerSettings = new LinkedHashMap<>();

    @Option(names = "--selector-setting", description = "Selector setting key=value (repeatable), e.g. min-kept=4, head-aligned=true.")
    Map<String, String> selectorSettings = new LinkedHashMap<>();

    @Option(names = "--scoring-images", defaultValue = "1000",
            description = "Size of the scoring set drawn from the training split (data-driven scorers).")
    int scoringImages;

    @Option(names = "--images", description = "Draw the scoring set from this folder of labelled images (one sub-folder per class, "
            + "JPEG / PNG), preprocessed as the model's config says, instead of CIFAR-10's training split.")
    Path images;

    @Option(names = "--scoring-seed", defaultValue = "0", description = "Seed of the scoring-set draw and of the scorer.")
    long scoringSeed;

    @Option(names = "--scoring-batch-size", defaultValue = "50",
            description = "Images per forward pass of the scoring set (ablations stack several units per pass as memory allows).")
    int scoringBatchSize;

    StrategySettings scorer() {
        return new StrategySettings(scorerSettings);
    }

    StrategySettings selector() {
        return new StrategySettings(selectorSettings);
    }

    /**
     * A context with scoring data when the scorer needs it: drawn from {@code --images}, or from
     * CIFAR-10's training split (which only a model of CIFAR-10's preprocessing may be fed).
     */
    ScoringContext context(ScorerFactory factory, Path cifarDirectory, Preprocessing preprocessing, NDManager manager) {
        Optional<io.vitprune.api.ScoringData> data = Optional.empty();
        if (factory.needsData() && images != null) {
            data = Optional.of(ImageFolder.open(images, preprocessing).sample(scoringImages, scoringSeed));
        } else if (factory.needsData()) {
            preprocessing.requireCifar10("scored by " + factory.name() + " on CIFAR-10 images (give --images for a folder of its own)");
            Cifar10 train = Cifar10.load(cifarDirectory, Cifar10.Split.TRAIN);
            data = Optional.of(new Cifar10ScoringData(train.randomSample(scoringImages, scoringSeed)));
        }
        return new ScoringContext(data, manager, scoringSeed, scoringBatchSize, new ProgressBar(System.err, "scoring " + factory.name(), 1));
    }
}
