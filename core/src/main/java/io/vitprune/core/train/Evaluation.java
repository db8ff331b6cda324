package io.vitprune.core.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.vitprune.api.PrunableModel;
import io.vitprune.core.data.Batches;
import io.vitprune.core.data.TrainingImages;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.tokens.TokenPrunedModel;
import java.io.PrintStream;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/** Top-1 accuracy of a model on CIFAR-10 images, batch by batch in bounded memory. */
public final class Evaluation {
    private Evaluation() {
    }

    /** Result: correct of total images. */
    public record Accuracy(long correct, long total) {
        public double top1() {
            return total == 0 ? 0 : (double) correct / total;
        }
    }

    public static Accuracy top1(PrunableModel model, TrainingImages data, int batchSize, PrintStream progressOut) {
        VisionTransformer network = model instanceof VisionTransformer vit ? vit
                : model instanceof TokenPrunedModel tokens ? tokens.backbone()
                : model instanceof io.vitprune.core.tokens.TokenReducedModel reduced ? reduced.backbone()
                : model instanceof Trainable trainable ? trainable.network() : null;
        if (network != null) {
            data.requireFeeds(network.config().preprocessing(), "evaluated on these images");
        }
        return top1(model::logits, model::newScope, data, batchSize, progressOut);
    }

    /**
     * Top-1 of any classifier of normalised image batches (another runtime's session, say); each
     * batch lives in a scope of {@code manager}, closed before the next.
     */
    public static Accuracy top1(UnaryOperator<NDArray> classifier, NDManager manager, TrainingImages data, int batchSize, PrintStream progressOut) {
        return top1(classifier, manager::newSubManager, data, batchSize, progressOut);
    }

    private static Accuracy top1(UnaryOperator<NDArray> classifier, Supplier<NDManager> scopes, TrainingImages data, int batchSize,
                                 PrintStream progressOut) {
        Batches.Epoch epoch = data.epoch(batchSize, Batches.Order.SEQUENTIAL);
        long correct = 0;
        long seen = 0;
        try (ProgressBar progress = progressOut == null ? null : new ProgressBar(progressOut, "eval", data.size())) {
            while (epoch.hasNext()) {
                try (NDManager scope = scopes.get()) {
                    NDList batch = epoch.next(scope);
                    correct += correct(classifier.apply(batch.get(0)), batch.get(1));
                    seen += batch.get(1).size();
                }
                if (progress != null) {
                    progress.update(seen, String.format("top-1 %.2f%%", 100.0 * correct / seen));
                }
            }
        }
        return new Accuracy(correct, seen);
    }

    /** Number of rows whose highest logit is the label. */
    public static long correct(NDArray logits, NDArray labels) {
        return logits.argMax(-1).toType(DataType.INT64, false).eq(labels.toType(DataType.INT64, false)).sum().getLong();
    }
}
