package io.vitprune.core.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.data.Batches;
import io.vitprune.core.data.TrainingImages;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Trains a model epoch by epoch with AdamW, warm-up + cosine learning rate and an
 * {@link Objective}. After every epoch it writes a checkpoint (model, optimizer state, progress)
 * atomically to {@code workDirectory/checkpoint} and a row of {@code history.csv}; started again
 * on the same directory it resumes from the last checkpoint and reaches the same weights as an
 * uninterrupted run (the data order and augmentation of epoch e depend only on seed and e).
 * What trains is a {@link Trainable}: the plain network, or a network with extra parameters
 * (checkpointed beside it) and its own forward pass. A run {@linkplain #amending() amending} a
 * checkpoint may continue it with other regularisation (see {@link TrainingOptions#sameSchedule});
 * the checkpoint records each such change.
 */
public final class TrainingRun {
    static final String CHECKPOINT = "checkpoint";
    static final String HISTORY = "history.csv";
    /** Extra parameters of a {@link Trainable}, beside the model in the checkpoint (absent for a plain network). */
    static final String EXTRA = "extra.ndlist";
    /** Columns of history.csv; {@code seconds} and {@code cpu_seconds} cover the training steps, not the evaluation. */
    static final String HISTORY_HEADER = "epoch,train_loss,train_top1,test_top1,learning_rate,seconds,images_per_second,cpu_seconds";
    private static final int HISTORY_COLUMNS = HISTORY_HEADER.split(",").length;

    private final TrainingOptions options;
    private final Objective objective;
    private final TrainingImages train;
    private final TrainingImages test;
    private final Path workDirectory;
    private final PrintStream out;
    private final boolean amending;

    /** Progress saved with each checkpoint, with the options each earlier amendment replaced. */
    record State(TrainingOptions options, int epochsDone, long optimizerStep, List<Amendment> amendments) {
        State {
            amendments = amendments == null ? List.of() : List.copyOf(amendments);
        }
    }

    /** From epoch {@code afterEpoch + 1} on, the run used other options than {@code previous}. */
    record Amendment(int afterEpoch, TrainingOptions previous) { }

    /**
     * @param test images to evaluate on after each epoch, or null to skip
     * @param out where progress goes
     */
    public TrainingRun(TrainingOptions options, Objective objective, TrainingImages train, TrainingImages test, Path workDirectory,
                       PrintStream out) {
        this.options = options;
        this.objective = objective;
        this.train = train;
        this.test = test;
        this.workDirectory = workDirectory;
        this.out = out;
        this.amending = false;
    }

    private TrainingRun(TrainingRun run, boolean amending) {
        this.options = run.options;
        this.objective = run.objective;
        this.train = run.train;
        this.test = run.test;
        this.workDirectory = run.workDirectory;
        this.out = run.out;
        this.amending = amending;
    }

    /**
     * This run, allowed to continue a checkpoint made with other weight decay, label smoothing or
     * gradient clipping (the schedule must be the same), e.g. to add clipping after a loss spike.
     */
    public TrainingRun amending() {
        return new TrainingRun(this, true);
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
        return run(initial, Trainable::of, manager, lastEpoch).network();
    }

    /**
     * Trains {@code wrap(network)}: the network comes from {@code initial} or from the checkpoint,
     * {@code wrap} adds the extra parameters (at their initial values), and a resumed run then
     * restores them from the checkpoint. Stops after epoch {@code lastEpoch}, like
     * {@link #run(Supplier, NDManager, int)}.
     */
    public <T extends Trainable> T run(Supplier<VisionTransformer> initial, Function<VisionTransformer, T> wrap, NDManager manager,
                                       int lastEpoch) throws IOException {
        Path checkpoint = workDirectory.resolve(CHECKPOINT);
        T trainable;
        State state;
        AtomicFiles.recoverInterruptedReplace(checkpoint); // a run killed while replacing its checkpoint
        if (Files.isDirectory(checkpoint)) {
            state = ModelStore.json().readValue(checkpoint.resolve("state.json").toFile(), State.class);
            state = resumable(state, checkpoint);
            trainable = wrap.apply(ModelStore.load(checkpoint.resolve("model"), manager));
            restoreExtraParameters(trainable, checkpoint, manager);
            out.printf("resuming from %s after epoch %d%n", checkpoint, state.epochsDone());
        } else {
            VisionTransformer model = initial.get();
            train.requireFeeds(model.config().preprocessing(), "trained on these images");
            trainable = wrap.apply(model);
            state = new State(options, 0, 0, List.of());
        }
        Map<String, Parameter> parameters = parameters(trainable);
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(true));
        int stepsPerEpoch = (train.size() + options.batchSize() - 1) / options.batchSize();
        LearningRateSchedule schedule = new LearningRateSchedule(options.learningRate(), options.minLearningRate(),
                Math.round(options.warmupEpochs() * stepsPerEpoch), (long) options.epochs() * stepsPerEpoch);
        Map<String, Double> scales = new LinkedHashMap<>();
        for (String name : parameters.keySet()) {
            double scale = trainable.learningRateScale(name);
            if (scale != 1.0) {
                scales.put(name, scale);
            }
        }
        try (AdamW optimizer = new AdamW(parameters, scales, options.weightDecay(), manager)) {
            if (state.epochsDone() > 0) {
                try (NDManager loading = manager.newSubManager()) {
                    optimizer.restore(NDList.decode(loading, Files.readAllBytes(checkpoint.resolve("optimizer.ndlist"))), state.optimizerStep());
                }
            }
            for (int epoch = state.epochsDone() + 1; epoch <= Math.min(lastEpoch, options.epochs()); epoch++) {
                trainEpoch(trainable, optimizer, schedule, epoch, state.amendments());
            }
        }
        parameters.values().forEach(p -> p.getArray().setRequiresGradient(false));
        return trainable;
    }

    /** The checkpoint's state, amended to this run's options where they differ and amending is allowed. */
    private State resumable(State state, Path checkpoint) {
        if (state.options().equals(options)) {
            return state;
        }
        if (!amending || !state.options().sameSchedule(options)) {
            throw new InvalidInputException("checkpoint " + checkpoint + " was made with " + state.options() + ": this run asks for "
                    + options + " (use another work directory or the same options" + (amending
                    ? "; an amendment may change only weight decay, label smoothing and gradient clipping)" : ")"));
        }
        List<Amendment> amendments = new ArrayList<>(state.amendments());
        amendments.add(new Amendment(state.epochsDone(), state.options()));
        out.printf("amending checkpoint %s after epoch %d: %s -> %s%n", checkpoint, state.epochsDone(), state.options(), options);
        return new State(options, state.epochsDone(), state.optimizerStep(), amendments);
    }

    /** The network's parameters and the extra ones, which must not reuse a network parameter's name. */
    private static Map<String, Parameter> parameters(Trainable trainable) {
        Map<String, Parameter> parameters = new LinkedHashMap<>(trainable.network().namedParameters());
        trainable.extraParameters().forEach((name, parameter) -> {
            if (parameters.putIfAbsent(name, parameter) != null) {
                throw new IllegalArgumentException("extra parameter '" + name + "' has the name of a network parameter: expected a unique name");
            }
        });
        return parameters;
    }

    private void trainEpoch(Trainable trainable, AdamW optimizer, LearningRateSchedule schedule, int epoch, List<Amendment> amendments)
            throws IOException {
        long started = System.nanoTime();
        long cpuStarted = processCpuNanos();
        Batches.Epoch batches = train.epoch(options.batchSize(), Batches.Order.training(options.seed() * 1_000_003L + epoch));
        double lossSum = 0;
        long correct = 0;
        long seen = 0;
        double learningRate = 0;
        int clippedSteps = 0;
        try (ProgressBar progress = new ProgressBar(System.err, String.format("epoch %d/%d", epoch, options.epochs()), train.size())) {
            while (batches.hasNext()) {
                try (NDManager scope = trainable.newScope()) {
                    NDList batch = batches.next(scope);
                    NDArray images = batch.get(0);
                    NDArray labels = batch.get(1);
                    NDArray logits;
                    NDArray loss;
                    trainable.beginStep(optimizer.step());
                    try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                        logits = trainable.logits(images);
                        loss = trainable.regularize(objective.loss(logits, labels, images));
                        collector.backward(loss);
                    }
                    learningRate = schedule.at(optimizer.step());
                    if (options.maxGradientNorm() > 0 && optimizer.clipGradientNorm(options.maxGradientNorm())) {
                        clippedSteps++;
                    }
                    optimizer.update(learningRate, scope);
                    long n = labels.size();
                    lossSum += loss.getFloat() * n;
                    correct += Evaluation.correct(logits, labels);
                    seen += n;
                }
                progress.update(seen, String.format("loss %.4f top-1 %.2f%% lr %.2e", lossSum / seen, 100.0 * correct / seen, learningRate));
            }
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        double cpuSeconds = (processCpuNanos() - cpuStarted) / 1e9;
        double testTop1 = test == null ? Double.NaN : Evaluation.top1(trainable, test, 250, null).top1();
        String testResult = test == null ? "no test split given" : String.format("test top-1 %.2f%%", 100 * testTop1);
        out.printf("epoch %d: train loss %.4f, train top-1 %.2f%%, %s, %.0f s, %.1f images/s, %d steps clipped%n",
                epoch, lossSum / seen, 100.0 * correct / seen, testResult, seconds, seen / seconds, clippedSteps);
        saveCheckpoint(trainable, optimizer, epoch, amendments);
        appendHistory(String.format("%d,%.5f,%.5f,%.5f,%.6g,%.1f,%.1f,%.1f", epoch, lossSum / seen, (double) correct / seen, testTop1,
                learningRate, seconds, seen / seconds, cpuSeconds));
    }

    private void saveCheckpoint(Trainable trainable, AdamW optimizer, int epoch, List<Amendment> amendments) throws IOException {
        Path checkpoint = workDirectory.resolve(CHECKPOINT);
        Path staged = AtomicFiles.stagingDirectory(checkpoint);
        try {
            ModelStore.save(trainable.network(), staged.resolve("model"));
            write(optimizer.state(), staged.resolve("optimizer.ndlist"));
            if (!trainable.extraParameters().isEmpty()) {
                NDList extra = new NDList();
                trainable.extraParameters().forEach((name, parameter) -> {
                    parameter.getArray().setName(name);
                    extra.add(parameter.getArray());
                });
                write(extra, staged.resolve(EXTRA));
            }
            ModelStore.json().writeValue(staged.resolve("state.json").toFile(), new State(options, epoch, optimizer.step(), amendments));
            AtomicFiles.replaceDirectory(staged, checkpoint);
        } finally {
            AtomicFiles.deleteRecursively(staged);
        }
    }

    private static void write(NDList arrays, Path file) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        arrays.encode(bytes);
        Files.write(file, bytes.toByteArray());
    }

    /**
     * Sets the extra parameters to the values saved with the checkpoint. A checkpoint with extra
     * parameters resumes only into a trainable with exactly those, and one without only into a
     * plain network: anything else would silently drop or reset trained values.
     */
    private static void restoreExtraParameters(Trainable trainable, Path checkpoint, NDManager manager) throws IOException {
        Map<String, Parameter> extra = trainable.extraParameters();
        Path file = checkpoint.resolve(EXTRA);
        if (!Files.exists(file)) {
            if (!extra.isEmpty()) {
                throw new InvalidInputException("checkpoint " + checkpoint + " has no " + EXTRA + ": this run trains extra parameters "
                        + extra.keySet() + " (use another work directory or the run that made it)");
            }
            return;
        }
        try (NDManager loading = manager.newSubManager()) {
            NDList saved = NDList.decode(loading, Files.readAllBytes(file));
            Set<String> savedNames = new TreeSet<>();
            saved.forEach(array -> savedNames.add(array.getName()));
            if (!savedNames.equals(new TreeSet<>(extra.keySet()))) {
                throw new InvalidInputException("checkpoint " + checkpoint + " holds extra parameters " + savedNames
                        + ": this run trains " + new TreeSet<>(extra.keySet()) + " (use another work directory or the run that made it)");
            }
            for (NDArray array : saved) {
                NDArray target = extra.get(array.getName()).getArray();
                if (!target.getShape().equals(array.getShape())) {
                    throw new InvalidInputException("extra parameter '" + array.getName() + "' in checkpoint " + checkpoint + " has shape "
                            + array.getShape() + ": this run's has " + target.getShape());
                }
                target.set(array.toFloatArray());
            }
        }
    }

    /** CPU time of the whole process, native threads included (libtorch's work runs there). */
    private static long processCpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    /** Epochs that {@code workDirectory}'s history records as trained; 0 where it has none. */
    public static int trainedEpochs(Path workDirectory) throws IOException {
        return historyRows(workDirectory).size();
    }

    /** Seconds of training that {@code workDirectory}'s history records, whichever runs trained its epochs; 0 where it has none. */
    public static double trainedSeconds(Path workDirectory) throws IOException {
        int column = List.of(HISTORY_HEADER.split(",")).indexOf("seconds");
        return historyRows(workDirectory).stream().mapToDouble(line -> Double.parseDouble(line.split(",", -1)[column])).sum();
    }

    /** The history's rows, one per trained epoch, without its header; none where there is no history. */
    private static List<String> historyRows(Path workDirectory) throws IOException {
        Path history = workDirectory.resolve(HISTORY);
        return Files.exists(history) ? Files.readAllLines(history).stream().skip(1).filter(line -> !line.isBlank()).toList() : List.of();
    }

    /**
     * Rewrites the history with one more row; rows of epochs after {@code epoch} (an older run) are
     * dropped. Rows written before a column existed get an empty cell for it.
     */
    private void appendHistory(String row) throws IOException {
        Path history = workDirectory.resolve(HISTORY);
        List<String> lines = new ArrayList<>();
        int epoch = Integer.parseInt(row.substring(0, row.indexOf(',')));
        if (Files.exists(history)) {
            for (String line : Files.readAllLines(history)) {
                if (!line.startsWith("epoch,") && Integer.parseInt(line.substring(0, line.indexOf(','))) < epoch) {
                    lines.add(line + ",".repeat(HISTORY_COLUMNS - line.split(",", -1).length));
                }
            }
        }
        lines.add(0, HISTORY_HEADER);
        lines.add(row);
        AtomicFiles.writeString(history, String.join("\n", lines) + "\n");
    }
}
