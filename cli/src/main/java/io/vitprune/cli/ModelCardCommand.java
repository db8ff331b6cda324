package io.vitprune.cli;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.Machine;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.train.Evaluation;
import io.vitprune.experiments.DataOption;
import io.vitprune.experiments.Invocation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Writes MODEL_CARD.md into a model directory: config, parameters, MACs, top-1 on the full test
 * split (measured now), and the training record read from the run's history.csv.
 */
@Command(name = "model-card", description = "Evaluate a model on the full test split and write MODEL_CARD.md into its directory.")
final class ModelCardCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true)
    Path model;

    @Option(names = "--history", required = true, description = "history.csv of the training run that produced the model.")
    Path history;

    @Option(names = "--command", required = true, description = "The exact command that trained the model.")
    String command;

    @Option(names = "--note", description = "A line of context (e.g. that the model is an interim checkpoint).")
    String note;

    @Mixin
    DataOption data;

    @Override
    public Integer call() throws Exception {
        // The card goes into the model's own directory by design: only the other inputs are kept apart from it.
        OutputGuard.check().input("--history", history).input("--data", data.directory()).file("--model's card", model.resolve("MODEL_CARD.md")).verify();
        Cifar10 test = Cifar10.load(data.directory(), Cifar10.Split.TEST);
        List<String> rows = Files.readAllLines(history);
        if (rows.size() < 2) {
            throw new InvalidInputException("history " + history + ": expected a header and at least one epoch row");
        }
        double seconds = 0;
        double imagesPerSecond = 0;
        double cpuSeconds = 0;
        int epochsWithCpuTime = 0;
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.split(",", -1);
            seconds += Double.parseDouble(cells[5]);
            imagesPerSecond += Double.parseDouble(cells[6]);
            if (cells.length > 7 && !cells[7].isEmpty()) {
                cpuSeconds += Double.parseDouble(cells[7]);
                epochsWithCpuTime++;
            }
        }
        int epochs = rows.size() - 1;
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer loaded = ModelStore.load(model, manager)) {
            Evaluation.Accuracy accuracy = Evaluation.top1(loaded, test, 250, System.err);
            VitConfig config = loaded.config();
            ModelStats stats = ModelStats.of(loaded);
            StringBuilder card = new StringBuilder("# Model card: ").append(model.getFileName()).append("\n\n");
            if (note != null) {
                card.append(note).append("\n\n");
            }
            card.append("| | |\n|---|---|\n")
                    .append(String.format("| config | image %d, patch %d, dim %d, depth %d, heads %d x dim_head %d, mlp %d, classes %d |%n",
                            config.imageSize(), config.patchSize(), config.dim(), config.depth(), config.heads(), config.dimHead(),
                            config.mlpDim(), config.classes()))
                    .append(String.format("| parameters | %,d |%n", stats.parameters()))
                    .append(String.format("| MACs / image | %,d (matrix products) |%n", stats.macsPerImage()))
                    .append(String.format("| saved size | %,d bytes |%n", ModelStore.directorySize(model)))
                    .append(String.format("| test top-1 | %.2f%% (%d of %d CIFAR-10 test images) |%n", 100 * accuracy.top1(), accuracy.correct(),
                            accuracy.total()))
                    .append(String.format("| epochs trained | %d (rows of `%s`) |%n", epochs, history))
                    .append(String.format("| training wall time | %.1f h (sum of the epochs' times) |%n", seconds / 3600))
                    .append(String.format("| training throughput | %.1f images/s (mean over epochs) |%n", imagesPerSecond / epochs))
                    .append(String.format("| training CPU time | %s |%n", cpuTime(cpuSeconds, epochsWithCpuTime, epochs)))
                    .append(String.format("| machine | %s |%n", Machine.describe()))
                    .append(String.format("| card written | %s |%n%n", LocalDate.now()))
                    .append("Trained with:\n\n    ").append(command).append("\n\n")
                    .append("This card was produced by:\n\n    ").append(Invocation.of(spec)).append("\n");
            AtomicFiles.writeString(model.resolve("MODEL_CARD.md"), card.toString());
            System.out.printf("test top-1 %.2f%%; wrote %s%n", 100 * accuracy.top1(), model.resolve("MODEL_CARD.md"));
        }
        return 0;
    }

    private static String cpuTime(double cpuSeconds, int epochsWithCpuTime, int epochs) {
        if (epochsWithCpuTime == 0) {
            return "not recorded (history.csv has no cpu_seconds)";
        }
        String hours = String.format("%.1f h (process CPU time, all threads)", cpuSeconds / 3600);
        return epochsWithCpuTime == epochs ? hours
                : hours + String.format(" over the %d of %d epochs that recorded it", epochsWithCpuTime, epochs);
    }
}
