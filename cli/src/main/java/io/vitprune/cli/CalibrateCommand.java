package io.vitprune.cli;

import io.vitprune.core.io.ModelStore;
import io.vitprune.core.io.OutputGuard;
import io.vitprune.core.latency.LatencyCalibration;
import io.vitprune.core.latency.LatencyModel;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.latency.LatencyTimer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.train.ProgressBar;
import io.vitprune.deploy.LatencyTimers;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Measures the latency table the {@code latency} selector spends a budget with. */
@Command(name = "calibrate", description = "Measure, on this machine and runtime, the latency of one block as a function of its head "
        + "widths and MLP width, and of the embedding and classifier, for a model's shape: the table the 'latency' selector predicts from.")
final class CalibrateCommand implements Callable<Integer> {
    enum Runtime { LIBTORCH, ONNXRUNTIME }

    @Option(names = "--model", required = true, description = "Model directory (its shape is measured, with random weights).") Path model;
    @Option(names = "--out", required = true, description = "The latency table (JSON) to write.") Path out;
    @Option(names = "--runtime", defaultValue = "libtorch", description = "Runtime to measure: ${COMPLETION-CANDIDATES} (models exported as 'export' writes them, "
            + "heads grouped). Threads: -Dai.djl.pytorch.num_threads (default: the cores), recorded in the table.")
    Runtime runtime;
    @Option(names = "--batch", split = ",", defaultValue = "1", description = "Batch sizes, e.g. 1,32.") List<Integer> batches;
    @Option(names = "--width-step", defaultValue = "8", description = "Head and MLP widths are measured at multiples of this.") int widthStep;
    @Option(names = "--mlp-points", defaultValue = "8", description = "MLP widths measured, evenly spread up to the full width.") int mlpPoints;
    @Option(names = "--warmups", defaultValue = "2", description = "Untimed calls before each point, in each pass.") int warmups;
    @Option(names = "--rounds", defaultValue = "5", description = "Timed calls per point in each pass; their median is the pass's time.") int rounds;
    @Option(names = "--passes", defaultValue = "9", description = "Passes over the grid, each in an order of its own; a point keeps its median over "
            + "them, which ignores a slow or fast spell of the machine shorter than half of them.") int passes;

    @Override
    public Integer call() throws Exception {
        OutputGuard.check().input("--model", model).output("--out", out, OutputGuard.Kind.FILE, LatencyTable::requireReplaceable).verify();
        VitConfig config = ModelStore.readManifest(model).config();
        LatencyCalibration calibration = new LatencyCalibration(config,
                new LatencyCalibration.Options(batches, widthStep, mlpPoints, warmups, rounds, passes));
        LatencyTable table;
        try (LatencyTimer timer = LatencyTimers.of(runtime.name().toLowerCase(Locale.ROOT), config, 0);
             ProgressBar progress = new ProgressBar(System.err, "calibrate", calibration.points(timer))) {
            System.out.printf("calibrating %s, %d threads: %d points at batch %s, in %d passes%n", timer.runtime(), timer.threads(),
                    calibration.points(timer) / passes, batches, passes);
            table = calibration.run(timer, progress);
        }
        table.write(out);
        for (LatencyTable.BatchLatency batch : table.batches()) {
            LatencyModel predicted = LatencyModel.of(table, batch.batch());
            System.out.printf("batch %d: predicted %.3f ms for the unpruned model (%.3f ms that no pruning of blocks changes: embedding, "
                    + "classifier, a whole pass's overhead)%n", batch.batch(),
                    predicted.modelMs(config.initialStructure()), predicted.fixedMs());
        }
        System.out.println("wrote " + out);
        return 0;
    }
}
