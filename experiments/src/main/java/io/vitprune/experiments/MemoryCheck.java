package io.vitprune.experiments;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.Machine;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Batches;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.data.Cifar10ScoringData;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Memory over long loops: many forward batches of a small ViT, then a full data-driven scoring run
 * (kd-importance: every attention channel ablated on every scoring image), sampling the process's
 * resident set (native memory: VmRSS of /proc/self/status) and the Java heap in use after a GC.
 * Flat numbers mean every NDArray is freed with its scope. Run it as
 * {@code java -cp cli/target/vitprune.jar io.vitprune.experiments.MemoryCheck} (see docs/reliability.md).
 */
@Command(name = "memory-check", mixinStandardHelpOptions = true,
        description = "Native (RSS) and heap memory over many forward batches and a full scoring run.")
public final class MemoryCheck implements Callable<Integer> {
    @Option(names = "--batches", defaultValue = "10000", description = "Forward batches.") int batches;
    @Option(names = "--batch-size", defaultValue = "32") int batchSize;
    @Option(names = "--every", defaultValue = "500", description = "Sample memory every N batches.") int every;
    @Option(names = "--scoring-images", defaultValue = "1000", description = "Images of the scoring run (0: none).")
    int scoringImages;
    @Option(names = "--scoring-batch-size", defaultValue = "50",
            description = "Images per forward pass of the scoring set (ablations stack several units per pass as memory allows).") int scoringBatchSize;
    @Option(names = "--file", defaultValue = "data/cifar10-test-sample-1000.bin", description = "CIFAR-10 images to run on.")
    Path file;
    @Option(names = "--dim", defaultValue = "64") int dim;
    @Option(names = "--depth", defaultValue = "4") int depth;
    @Option(names = "--heads", defaultValue = "4") int heads;
    @Option(names = "--dim-head", defaultValue = "16") int dimHead;
    @Option(names = "--mlp", defaultValue = "128") int mlp;
    @Option(names = "--patch", defaultValue = "8") int patch;

    /** One reading: after {@code done} units of work of a phase. */
    public record Sample(String phase, long done, double rssMiB, double heapMiB) { }

    /** The readings of one phase, with the first, last and largest. */
    public record Phase(String name, List<Sample> samples) {
        public Sample first() {
            return samples.get(0);
        }

        public Sample last() {
            return samples.get(samples.size() - 1);
        }

        public double maxRss() {
            return samples.stream().mapToDouble(Sample::rssMiB).max().orElse(Double.NaN);
        }

        public double maxHeap() {
            return samples.stream().mapToDouble(Sample::heapMiB).max().orElse(Double.NaN);
        }

        /** Native growth from the first reading to the largest: what a leak would raise. */
        public double rssGrowth() {
            return maxRss() - first().rssMiB();
        }

        public double heapGrowth() {
            return maxHeap() - first().heapMiB();
        }
    }

    public static void main(String[] args) {
        EngineDefaults.apply();
        System.exit(new CommandLine(new MemoryCheck()).execute(args));
    }

    @Override
    public Integer call() throws IOException {
        PrintStream out = System.out;
        out.printf("machine: %s%n", Machine.describe());
        out.printf("model: dim %d, depth %d, %d heads of %d, MLP %d, patch %d; %,d forward batches of %d images from %s; "
                + "kd-importance on %,d images in batches of %d%n", dim, depth, heads, dimHead, mlp, patch, batches, batchSize, file,
                scoringImages, scoringBatchSize);
        out.println("phase,done,rss_mib,heap_mib");
        List<Phase> phases = measure(out);
        for (Phase phase : phases) {
            out.printf("%s: %d samples; RSS start %.1f MiB, end %.1f MiB, max %.1f MiB (growth %+.1f MiB); "
                    + "heap start %.1f MiB, end %.1f MiB, max %.1f MiB (growth %+.1f MiB)%n", phase.name(), phase.samples().size(),
                    phase.first().rssMiB(), phase.last().rssMiB(), phase.maxRss(), phase.rssGrowth(),
                    phase.first().heapMiB(), phase.last().heapMiB(), phase.maxHeap(), phase.heapGrowth());
        }
        return 0;
    }

    /** Runs both phases and returns their readings; each reading is also printed to {@code out} as a CSV row. */
    public List<Phase> measure(PrintStream out) throws IOException {
        Cifar10 images = Cifar10.read(file);
        VitConfig config = new VitConfig(32, patch, dim, depth, heads, dimHead, mlp, Cifar10.CLASSES);
        List<Phase> phases = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = VisionTransformer.initialize(config, 1, manager)) {
            List<Sample> forward = new ArrayList<>();
            Batches.Epoch epoch = Batches.epoch(images, batchSize, Batches.Order.SEQUENTIAL);
            for (int i = 1; i <= batches; i++) {
                if (!epoch.hasNext()) {
                    epoch = Batches.epoch(images, batchSize, Batches.Order.SEQUENTIAL);
                }
                try (NDManager scope = model.newScope()) {
                    NDList batch = epoch.next(scope);
                    model.logits(batch.get(0)).argMax(-1).toLongArray();
                }
                if (i == 1 || i % every == 0 || i == batches) {
                    forward.add(sample("forward", i, out));
                }
            }
            phases.add(new Phase("forward", forward));

            if (scoringImages > 0) {
                List<Sample> scoring = new ArrayList<>();
                scoring.add(sample("scoring", 0, out));
                long[] next = {0};
                ProgressListener progress = (task, done, total) -> {
                    if (done >= next[0] || done == total) {
                        scoring.add(sample("scoring", done, out));
                        next[0] = done + Math.max(1, total / 20);
                    }
                };
                var data = new Cifar10ScoringData(images.randomSample(scoringImages, 0));
                var scorer = StrategyRegistry.load().scorer("kd-importance").create(StrategySettings.EMPTY);
                Pruning.score(model, scorer, UnitKind.ATTENTION_CHANNEL,
                        new ScoringContext(Optional.of(data), manager, 0, scoringBatchSize, progress));
                phases.add(new Phase("scoring", scoring));
            }
        }
        return phases;
    }

    private static Sample sample(String phase, long done, PrintStream out) {
        System.gc();
        Runtime runtime = Runtime.getRuntime();
        Sample sample = new Sample(phase, done, rssMiB(), (runtime.totalMemory() - runtime.freeMemory()) / 1048576.0);
        out.printf("%s,%d,%.1f,%.1f%n", phase, done, sample.rssMiB(), sample.heapMiB());
        return sample;
    }

    /** VmRSS of this process (Linux), NaN elsewhere. */
    static double rssMiB() {
        Path status = Path.of("/proc/self/status");
        try {
            if (Files.isReadable(status)) {
                for (String line : Files.readAllLines(status)) {
                    if (line.startsWith("VmRSS:")) {
                        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
                    }
                }
            }
        } catch (IOException e) {
            // not Linux, or /proc unreadable: no reading
        }
        return Double.NaN;
    }
}
