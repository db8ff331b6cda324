package io.vitprune.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Batches;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Trains a model epoch by epoch with AdamW, warm-up + cosine learning rate and an
 * {@link Objective}. After every epoch it writes a checkpoint (model, optimizer state, progress)
 * atomically to {@code workDirectory/checkpoint} and a row of {@code history.csv}; started again
 * on the same directory it resumes from the last checkpoint and reaches the same weights as an
 * uninterrupted run (the data order and augmentation of epoch e depend only on seed and e).
 */
public final class TrainingRun {
    static final String CHECKPOINT = "checkpoint";
    static final String HISTORY = "history.csv";
    static final String HISTORY_HEADER = "epoch,train_loss,train_top1,test_top1,learning_rate,seconds,images_per_second";

    private final TrainingOptions options;
    private final Objective objective;
    private final Cifar10 train;
    private final Cifar10 test;
    private final Path workDirectory;
    private final PrintStream out;

    /** Progress saved with each checkpoint. */
    record State(TrainingOptions options, int epochsDone, long optimizerStep) { }

    /**
     * @param test images to evaluate on after each epoch, or null to skip
     * @param out where progress goes
     */
    public TrainingRun(TrainingOptions options, Objective objective, Cifar10 train, Cifar10 test, Path workDirectory, PrintStream out) {
        this.options = options;
        this.objective = objective;
        this.train = train;
        this.test = test;
        this.workDirectory = workDirectory;
        this.out = out;
    }

    /**
     * Runs the remaining epochs and returns the trained model. {@code initial} supplies the
     * starting model when there is no checkpoint yet.
     */
    public VisionTransformer run(Supplier<VisionTransformer> initial, NDManager manager) throws IOException {
        return run(initial, manager, options.epochs());
    }

    /**
     * Like {@link #run(Supplier, NDManager)} but stops after epoch {@code lastEpoch} (checkpointed),
     * e.g. to spread a long run over several sessions; a later run continues from there.
     */
    public VisionTransformer run(Supplier<VisionTransformer> initial, NDManager manager, int lastEpoch) throws IOException {
        Path checkpoint = workDirectory.resolve(CHECKPOINT);
        VisionTransformer model;
        State state;
        if (Files.isDirectory(checkpoint)) {
            state = ModelStore.json().readValue(checkpoint.resolve("state.json").toFile(), State.class);
            if (!state.options().equals(options)) {
                throw new InvalidInputException("checkpoint " + checkpoint + " was made with " + state.options()
                        + ": this run asks for " + options + " (use another work directory or the same options)");
            }
            model = ModelStore.load(checkpoint.resolve("model"), manager);
            out.printf("resuming from %s after epoch %d%n", checkpoint, state.epochsDone());
        } else {
            model = initial.get();
            state = new State(options, 0, 0);
        }
        Map<String, Parameter> parameters = model.namedParameters();
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
        int stepsPerEpoch = Batches.count(train, options.batchSize());
        LearningRateSchedule schedule = new LearningRateSchedule(options.learningRate(), options.minLearningRate(),
                Math.round(options.warmupEpochs() * stepsPerEpoch), (long) options.epochs() * stepsPerEpoch);
        try (AdamW optimizer = new AdamW(parameters, options.weightDecay(), manager)) {
            if (state.epochsDone() > 0) {
                try (NDManager loading = manager.newSubManager()) {
                    optimizer.restore(NDList.decode(loading, Files.readAllBytes(checkpoint.resolve("optimizer.ndlist"))), state.optimizerStep());
                }
            }
            for (int epoch = state.epochsDone() + 1; epoch <= Math.min(lastEpoch, options.epochs()); epoch++) {
                trainEpoch(model, optimizer, schedule, epoch);
            }
        }
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(false));
        return model;
    }

    private void trainEpoch(VisionTransformer model, AdamW optimizer, LearningRateSchedule schedule, int epoch) throws IOException {
        long started = System.nanoTime();
        Batches.Epoch batches = Batches.epoch(train, options.batchSize(), Batches.Order.training(options.seed() * 1_000_003L + epoch));
        ProgressBar progress = new ProgressBar(out, String.format("epoch %d/%d", epoch, options.epochs()), train.size());
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        double learningRate = 0;
        while (batches.hasNext()) {
            try (NDManager scope = model.newScope()) {
                NDList batch = batches.next(scope);
                NDArray images = batch.get(0);
                NDArray labels = batch.get(1);
                NDArray logits;
                NDArray loss;
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    logits = model.logits(images);
                    loss = objective.loss(logits, labels, images);
                    collector.backward(loss);
                }
                learningRate = schedule.at(optimizer.step());
                optimizer.update(learningRate, scope);
                long n = labels.size();
                lossSum += loss.getFloat() * n;
                correct += Evaluation.correct(logits, labels);
                seen += n;
            }
            progress.update(seen, String.format("loss %.4f top-1 %.2f%% lr %.2e", lossSum / seen, 100.0 * correct / seen, learningRate));
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double testTop1 = test == null ? Double.NaN : Evaluation.top1(model, test, 250, null).top1();
        out.printf("epoch %d: train loss %.4f, train top-1 %.2f%%, test top-1 %.2f%%, %.0f s, %.1f images/s%n",
                epoch, lossSum / seen, 100.0 * correct / seen, 100 * testTop1, seconds, seen / seconds);
        saveCheckpoint(model, optimizer, epoch);
        appendHistory(String.format("%d,%.5f,%.5f,%.5f,%.6g,%.1f,%.1f", epoch, lossSum / seen, (double) correct / seen, testTop1,
                learningRate, seconds, seen / seconds));
    }

    private void saveCheckpoint(VisionTransformer model, AdamW optimizer, int epoch) throws IOException {
        Path checkpoint = workDirectory.resolve(CHECKPOINT);
        Path staged = AtomicFiles.stagingDirectory(checkpoint);
        try {
            ModelStore.save(model, staged.resolve("model"));
            ByteArrayOutputStream optimizerBytes = new ByteArrayOutputStream();
            optimizer.state().encode(optimizerBytes);
            Files.write(staged.resolve("optimizer.ndlist"), optimizerBytes.toByteArray());
            ModelStore.json().writeValue(staged.resolve("state.json").toFile(), new State(options, epoch, optimizer.step()));
            AtomicFiles.replaceDirectory(staged, checkpoint);
        } finally {
            AtomicFiles.deleteRecursively(staged);
        }
    }

    /** Rewrites the history with one more row; rows of epochs after {@code epoch} (an older run) are dropped. */
    private void appendHistory(String row) throws IOException {
        Path history = workDirectory.resolve(HISTORY);
        List<String> lines = new ArrayList<>();
        int epoch = Integer.parseInt(row.substring(0, row.indexOf(',')));
        if (Files.exists(history)) {
            for (String line : Files.readAllLines(history)) {
                if (!line.equals(HISTORY_HEADER) && Integer.parseInt(line.substring(0, line.indexOf(','))) < epoch) {
                    lines.add(line);
                }
            }
        }
        lines.add(0, HISTORY_HEADER);
        lines.add(row);
        AtomicFiles.writeString(history, String.join("\n", lines) + "\n");
    }
}
