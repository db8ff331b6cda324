package io.vitprune.experiments;

import ai.djl.ndarray.NDManager;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.train.Distillation;
import io.vitprune.core.train.Evaluation;
import io.vitprune.core.train.TeacherLogits;
import io.vitprune.core.train.TrainingOptions;
import io.vitprune.core.train.TrainingRun;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The experiments' common last step: a pruned model's top-1, then {@code epochs} of KD fine-tuning
 * from the unpruned teacher (checkpointed in {@code work}, so an interrupted cell resumes), then
 * its top-1 again. One instance fine-tunes every cell of an experiment with the same seed, so
 * they all see the same batches and share the teacher's logits ({@link TeacherLogits}).
 */
final class KdFinetune {
    /** @param seconds of training, whichever runs of the experiment trained its epochs (evaluations not counted) */
    record Result(double before, double after, ModelStats stats, double seconds) { }

    private final int epochs;
    private final double learningRate;
    private final double beta;
    private final double temperature;
    private final long seed;
    private TeacherLogits teacherLogits;

    KdFinetune(int epochs, double learningRate, double beta, double temperature, long seed) {
        this.epochs = epochs;
        this.learningRate = learningRate;
        this.beta = beta;
        this.temperature = temperature;
        this.seed = seed;
    }

    int epochs() {
        return epochs;
    }

    TrainingOptions options() {
        return new TrainingOptions(epochs, 128, learningRate, learningRate / 100, 0.05, Math.min(0.1, epochs), 0.1, seed, 1.0);
    }

    Result run(Path pruned, VisionTransformer teacher, Cifar10 train, Cifar10 test, Path work, NDManager manager) throws IOException {
        return run(pruned, teacher, train, test, work, null, manager);
    }

    /** As {@link #run(Path, VisionTransformer, Cifar10, Cifar10, Path, NDManager)}, saving the fine-tuned model to {@code tunedOut} unless null. */
    Result run(Path pruned, VisionTransformer teacher, Cifar10 train, Cifar10 test, Path work, Path tunedOut, NDManager manager) throws IOException {
        double before;
        ModelStats stats;
        try (VisionTransformer smaller = ModelStore.load(pruned, manager)) {
            before = Evaluation.top1(smaller, test, 250, System.err).top1();
            stats = ModelStats.of(smaller);
        }
        if (teacherLogits == null || teacherLogits.teacher() != teacher) {
            teacherLogits = new TeacherLogits(teacher);
        }
        TrainingRun run = new TrainingRun(options(), new Distillation(teacherLogits, beta, temperature, 0.1), train, null, work, System.out);
        try (VisionTransformer tuned = run.run(() -> ModelStore.load(pruned, manager), manager)) {
            double after = Evaluation.top1(tuned, test, 250, System.err).top1();
            if (tunedOut != null) {
                ModelStore.save(tuned, tunedOut);
            }
            System.err.println(teacherLogits.describe());
            return new Result(before, after, stats, TrainingRun.trainedSeconds(work));
        }
    }
}
