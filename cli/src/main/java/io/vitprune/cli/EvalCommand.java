package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.ImageFolder;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.tokens.TokenModelStore;
import io.vitprune.core.tokens.TokenPrunedModel;
import io.vitprune.core.tokens.TokenReducedModel;
import io.vitprune.core.train.Evaluation;
import io.vitprune.deploy.OnnxEvaluation;
import io.vitprune.experiments.DataOption;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Top-1 accuracy of a model on CIFAR-10 images. */
@Command(name = "eval", description = "Top-1 accuracy on a CIFAR-10 split or file.")
final class EvalCommand implements Callable<Integer> {
    @Inject
    StrategyRegistry registry;

    @Option(names = "--model", required = true, description = "Model directory (plain or token-pruned).")
    Path model;

    @Option(names = "--file", description = "A CIFAR-10 binary file to evaluate instead of the test split (test_batch.bin) of --data.")
    Path file;

    @Option(names = "--images", description = "A folder of labelled images (one sub-folder per class, JPEG / PNG) to evaluate instead, "
            + "preprocessed as the model's config says (e.g. an imported timm model's).")
    Path images;

    @Mixin
    DataOption data;

    @Mixin
    TokenReducerOptions tokens;

    @Option(names = "--limit", description = "Evaluate the first N images only.")
    Integer limit;

    @Option(names = "--batch-size", defaultValue = "250")
    int batchSize;

    @Option(names = "--runtime", defaultValue = "libtorch", description = "Where the model runs: libtorch (vitprune's own forward) or "
            + "onnxruntime (an .onnx file from 'export', or a model directory, exported to a temporary file first).")
    Runtime runtime;

    @Option(names = "--threads", description = "ONNX Runtime intra-op threads (default: the cores).")
    Integer threads;

    enum Runtime { LIBTORCH, ONNXRUNTIME }

    @Override
    public Integer call() throws java.io.IOException {
        tokens.requireConsistent();
        if (tokens.given() && (runtime != Runtime.LIBTORCH || this.images != null || TokenModelStore.isTokenModel(model))) {
            throw new InvalidInputException("--tokens " + tokens.reducer + " with " + (runtime != Runtime.LIBTORCH ? "--runtime onnxruntime"
                    : this.images != null ? "--images" : "token-pruned model " + model)
                    + ": a token reducer runs on libtorch with a plain or channel-pruned model directory, on CIFAR-10 images");
        }
        if (this.images != null) {
            return evaluateImageFolder();
        }
        Cifar10 images = file != null ? Cifar10.read(file) : Cifar10.load(data.directory(), Cifar10.Split.TEST);
        if (limit != null) {
            images = images.limit(limit);
        }
        if (runtime == Runtime.ONNXRUNTIME) {
            int intraOp = threads != null ? threads : java.lang.Runtime.getRuntime().availableProcessors();
            Evaluation.Accuracy accuracy = OnnxEvaluation.top1(model, images, batchSize, intraOp);
            System.out.printf("top-1 %.2f%% (%d of %d images) model %s on ONNX Runtime (%d threads)%n", 100 * accuracy.top1(), accuracy.correct(),
                    accuracy.total(), model, intraOp);
            return 0;
        }
        if (threads != null) {
            throw new InvalidInputException("--threads " + threads + " with --runtime libtorch: libtorch's threads are set by "
                    + "-Dai.djl.pytorch.num_threads; --threads applies to --runtime onnxruntime");
        }
        if (Files.isRegularFile(model) && model.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".onnx")) {
            throw new InvalidInputException("--model " + model + " is an ONNX file: --runtime libtorch runs vitprune model directories; "
                    + "ONNX files (float32 or int8) run with --runtime onnxruntime");
        }
        if (TokenModelStore.isTokenModel(model)) {
            try (NDManager manager = NDManager.newBaseManager();
                 TokenPrunedModel loaded = TokenModelStore.load(model, registry, manager)) {
                Evaluation.Accuracy accuracy = Evaluation.top1(loaded, images, batchSize, System.err);
                System.out.printf("top-1 %.2f%% (%d of %d images) token-pruned model %s (rho %s before blocks %s)%n", 100 * accuracy.top1(),
                        accuracy.correct(), accuracy.total(), model, loaded.pruning().rho(), loaded.pruning().stages());
            }
            return 0;
        }
        if (tokens.given()) {
            try (NDManager manager = NDManager.newBaseManager();
                 TokenReducedModel reduced = tokens.compose(ModelStore.load(model, manager), registry)) {
                Evaluation.Accuracy accuracy = Evaluation.top1(reduced, images, batchSize, System.err);
                System.out.printf("top-1 %.2f%% (%d of %d images) model %s with token reducer %s (tokens per block: attention %s, MLP %s)%n",
                        100 * accuracy.top1(), accuracy.correct(), accuracy.total(), model, tokens,
                        java.util.Arrays.toString(reduced.tokensPerBlock()[0]), java.util.Arrays.toString(reduced.tokensPerBlock()[1]));
            }
            return 0;
        }
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            Evaluation.Accuracy accuracy = Evaluation.top1(loaded, images, batchSize, System.err);
            System.out.printf("top-1 %.2f%% (%d of %d images) model %s%n", 100 * accuracy.top1(), accuracy.correct(), accuracy.total(), model);
        }
        return 0;
    }

    private int evaluateImageFolder() {
        if (file != null || runtime != Runtime.LIBTORCH || threads != null) {
            throw new InvalidInputException("--images with " + (file != null ? "--file" : "--runtime onnxruntime / --threads")
                    + ": an image folder is evaluated on libtorch, instead of a CIFAR-10 file");
        }
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            ImageFolder folder = ImageFolder.open(images, loaded.config().preprocessing());
            ImageFolder data = limit == null ? folder : folder.sample(limit, 0);
            Evaluation.Accuracy accuracy = Evaluation.top1(loaded, data, batchSize, System.err);
            System.out.printf("top-1 %.2f%% (%d of %d images, %d classes) model %s on %s%n", 100 * accuracy.top1(), accuracy.correct(),
                    accuracy.total(), folder.classes().size(), model, images);
        }
        return 0;
    }
}
