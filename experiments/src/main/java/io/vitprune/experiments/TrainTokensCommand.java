package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.io.WorkRecord;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.train.Evaluation;
import io.vitprune.strategies.tokens.DynamicVitSettings;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Trains DynamicViT token predictors on a model (resumable) and saves the token-pruned model. */
@Command(name = "train-tokens", description = "Train DynamicViT token predictors (backbone at lr x 0.01, frozen teacher); "
        + "checkpoints every epoch, rerun to resume; saves a token-pruned model directory.")
public final class TrainTokensCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Mixin
    DataOption data;

    @Mixin
    TokenOptions tokens;

    @Option(names = "--model", defaultValue = "models/reference", description = "The model to prune tokens of.")
    Path model;
    @Option(names = "--teacher", description = "Frozen teacher (default: --model).") Path teacher;
    @Option(names = "--rho", defaultValue = "0.7", description = "Keep ratio per stage, cumulative.") double rho;
    @Option(names = "--work", required = true, description = "Directory for checkpoints and history.csv (rerun with it to resume).") Path work;
    @Option(names = "--out", required = true, description = "Where the token-pruned model directory is written.") Path out;
    @Option(names = {"--stop-after", "--stop-after-epoch"}, description = "Stop after this epoch (checkpointed), to spread a run over sessions.") Integer stopAfter;
    @Option(names = "--train-limit", description = "Train on the first N training images only (smoke runs).") Integer trainLimit;
    @Option(names = "--test-limit", description = "Evaluate on the first N test images.") Integer testLimit;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).input("--teacher", teacher).input("--data", data.directory()).input("--work", work)
                .output("--out", out, OutputGuard.Kind.DIRECTORY, TokenModelStore::requireReplaceable).verify();
        DynamicVitSettings settings = tokens.settings(ModelStore.readManifest(model).structure().depth(), rho);
        Cifar10 train = data.load(Cifar10.Split.TRAIN, trainLimit);
        WorkRecord record = WorkRecord.check(work, Map.of("--model", ModelStore.identity(model),
                "--teacher", teacher == null ? "the --model" : ModelStore.identity(teacher), "settings", settings.toString(),
                "training data SHA-256", train.identity()));
        Cifar10 test = data.load(Cifar10.Split.TEST, testLimit);
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer student = ModelStore.load(model, manager);
             VisionTransformer frozen = teacher == null ? null : ModelStore.load(teacher, manager)) {
            record.write();
            int last = stopAfter == null ? settings.epochs() : Math.min(stopAfter, settings.epochs());
            double seconds = TokenTraining.train(student, frozen == null ? student : frozen, settings, train, work, out, last, manager);
            if (last < settings.epochs()) {
                System.out.printf("stopped after epoch %d of %d (checkpointed in %s); rerun to continue%n", last, settings.epochs(), work);
                return 0;
            }
            try (TokenPrunedModel loaded = TokenModelStore.load(out, registry, manager)) {
                ModelStats stats = loaded.stats();
                double top1 = Evaluation.top1(loaded, test, 250, System.err).top1();
                System.out.printf("saved %s: top-1 %.2f%% on %,d test images, %,d parameters, %,d MACs/image (backbone %,d), tokens per block %s, "
                                + "%.0f s training%n", out, 100 * top1, test.size(), stats.parameters(), stats.macsPerImage(),
                        ModelStats.of(loaded.backbone()).macsPerImage(), java.util.Arrays.toString(loaded.tokensPerBlock()), seconds);
            }
        }
        return 0;
    }
}
