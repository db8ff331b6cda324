package io.vitprune.deploy;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.train.Evaluation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Top-1 of a model run by ONNX Runtime: an exported .onnx file, or a model directory exported to a temporary file first. */
public final class OnnxEvaluation {
    private OnnxEvaluation() {
    }

    public static Evaluation.Accuracy top1(Path modelOrOnnx, Cifar10 images, int batchSize, int threads) throws IOException {
        if (!Files.isDirectory(modelOrOnnx)) {
            return top1OfFile(modelOrOnnx, images, batchSize, threads);
        }
        Path directory = Files.createTempDirectory("vitprune-onnx");
        try {
            Path file = directory.resolve("model.onnx");
            OnnxExport.write(modelOrOnnx, file, ExportOptions.defaults());
            return top1OfFile(file, images, batchSize, threads);
        } finally {
            AtomicFiles.deleteRecursively(directory);
        }
    }

    private static Evaluation.Accuracy top1OfFile(Path file, Cifar10 images, int batchSize, int threads) throws IOException {
        try (OnnxRuntimeModel model = OnnxRuntimeModel.open(file, threads); NDManager manager = NDManager.newBaseManager()) {
            // Files exported before the preprocessing was recorded are of CIFAR-10 models.
            String preprocessing = model.metadata().get(MetadataKeys.PREPROCESSING);
            if (preprocessing != null) {
                ModelStore.json().readValue(preprocessing, Preprocessing.class).requireCifar10("evaluated on CIFAR-10");
            }
            return Evaluation.top1(model::logits, manager, images, batchSize, System.err);
        }
    }
}
