package io.vitprune.core.latency;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.train.ProgressBar;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Measures a {@link LatencyTable} with a runtime's {@link LatencyTimer}: one block at a time, with
 * random weights of the real shapes, over the grid of {@link #grid}. Every point is timed as
 * {@code warmups} calls then the median of {@code rounds} calls, once in each of {@code passes}
 * passes over the whole grid, and keeps its median over the passes: the machine's speed drifts over
 * minutes (on the 2-core VM by up to 1.5x), and a point's least time would keep a fast spell for the
 * points that met one and not for their neighbours, bending the surface's shape; the median ignores
 * any spell shorter than half the passes. Each pass runs the points in an order of its own, so that a
 * spell recurring with the grid's order does not fall on the same points every time. Then
 * each grid is made monotone, so that a narrower block never predicts slower: a point no faster than
 * a larger one is timed again in pairs with it ({@link MonotoneGrid}). Not so the width profile, blocks
 * of all heads at every width: how a width between grid widths departs from the line between them
 * is what it measures. Last, the parts are brought to the level of
 * whole models: per batch, the unpruned model and the smallest the grid has (every block one head of
 * the least width and the least MLP) are timed whole, and whole = overhead + scale x parts through
 * both; the parts are scaled, and the overhead, what a whole pass costs that no part timed apart
 * had, joins the fixed parts, as no pruning of blocks removes it. The grid gives the shape of the
 * latency surface, the whole models its level (one factor through the unpruned model alone would
 * spread a cost per pass, which pruning keeps, over the parts, which pruning cuts). Where the two do
 * not give a positive scale and overhead (noise, or no smaller model), the unpruned model alone sets
 * the scale.
 */
public final class LatencyCalibration {
    /**
     * @param widthStep head widths are measured at multiples of this (plus half of it and the full width), MLP widths too
     * @param mlpPoints how many MLP widths are measured, evenly spread up to the full width
     * @param passes how many times every point is timed, each time in another pass over the grid
     */
    public record Options(List<Integer> batches, int widthStep, int mlpPoints, int warmups, int rounds, int passes) {
        public Options {
            batches = List.copyOf(new TreeSet<>(batches));
            if (batches.isEmpty() || batches.get(0) < 1) {
                throw new InvalidInputException("--batch " + batches + ": expected one or more batch sizes >= 1");
            }
            requireAtLeast("--width-step", widthStep, 1);
            requireAtLeast("--mlp-points", mlpPoints, 2);
            requireAtLeast("--warmups", warmups, 0);
            requireAtLeast("--rounds", rounds, 1);
            requireAtLeast("--passes", passes, 1);
        }

        private static void requireAtLeast(String option, int value, int least) {
            if (value < least) {
                throw new InvalidInputException(option + " " + value + ": expected >= " + least);
            }
        }
    }

    private final VitConfig config;
    private final Options options;
    private final GridBlocks gridBlocks;
    private final LatencyTable.Grid grid;

    public LatencyCalibration(VitConfig config, Options options) {
        this.config = requireNonNull(config, "config is null");
        this.options = requireNonNull(options, "options are null");
        this.gridBlocks = new GridBlocks(config, options.widthStep(), options.mlpPoints());
        this.grid = gridBlocks.grid();
    }

    public LatencyTable.Grid grid() {
        return grid;
    }

    GridBlocks gridBlocks() {
        return gridBlocks;
    }

    /**
     * Blocks timed per pass at one batch, plus the fixed parts and two whole models: the padded blocks too where the runtime pads at
     * that batch. Points timed again in pairs come on top.
     */
    public int pointsPerBatch(boolean padded) {
        GridBlocks.Blocks blocks = gridBlocks.at(padded);
        return 3 + (int) Stream.of(blocks.uniform(), blocks.withGroup(), blocks.mlp(), blocks.padded(), blocks.paddedNarrow(), blocks.width())
                .filter(Objects::nonNull).flatMap(Arrays::stream).flatMap(Arrays::stream).filter(Objects::nonNull).count();
    }

    /** Blocks and fixed parts {@code timer} will time in all, every batch and pass included. */
    public long points(LatencyTimer timer) {
        return options.batches().stream().mapToLong(batch -> pointsPerBatch(pads(timer, batch))).sum() * options.passes();
    }

    private static boolean pads(LatencyTimer timer, int batch) {
        return LatencyTable.PADDED.equals(timer.execution(batch));
    }

    /** Measures every grid point at every batch with {@code timer}, which must be of this calibration's model shape. */
    public LatencyTable run(LatencyTimer timer, ProgressBar progress) {
        // One more unit per batch: its points timed again in pairs.
        long total = points(timer) + options.batches().size();
        long[] done = {0};
        Random order = new Random(0);
        List<LatencyTable.BatchLatency> batches = new ArrayList<>();
        for (int batch : options.batches()) {
            boolean padded = pads(timer, batch);
            GridBlocks.Blocks blocks = gridBlocks.at(padded);
            List<Measured> passes = new ArrayList<>();
            for (int pass = 0; pass < options.passes(); pass++) {
                String label = "batch " + batch + ", pass " + (pass + 1) + "/" + options.passes() + ": ";
                passes.add(measure(timer, batch, blocks, order, what -> progress.update(++done[0], total, label + what)));
            }
            Measured typical = Measured.median(passes);
            int[] retimed = {0};
            MonotoneGrid.PairedRatio paired = (smaller, larger) -> {
                retimed[0]++;
                progress.update(done[0], total, "batch " + batch + ": heads " + smaller.headWidths() + ", MLP " + smaller.mlpWidth()
                        + " came out no faster than heads " + larger.headWidths() + ", MLP " + larger.mlpWidth() + ": timing the two in pairs");
                return pairedRatio(timer, batch, smaller, larger);
            };
            double[][] uniform = MonotoneGrid.settle(typical.uniform(), blocks.uniform(), paired);
            double[][] withGroup = MonotoneGrid.settle(typical.withGroup(), blocks.withGroup(), paired);
            double[] mlp = MonotoneGrid.settle(new double[][] {typical.mlp()}, blocks.mlp(), paired)[0];
            double[][] paddedMs = padded ? MonotoneGrid.settle(filled(typical.padded(), blocks.padded(), uniform), blocks.padded(), paired) : null;
            double[][] paddedNarrowMs = padded ? noSlowerThan(MonotoneGrid.settle(filled(typical.paddedNarrow(), blocks.paddedNarrow(), paddedMs),
                    blocks.paddedNarrow(), paired), paddedMs) : null;
            progress.update(++done[0], total, "batch " + batch + ": " + retimed[0] + " points no faster than a larger one timed again in pairs");
            // A further group: a block of one full-width head plus h heads of width w, less that one head alone (the grid has it).
            double oneHead = uniform[0][grid.widths().length - 1];
            double[][] extra = Arrays.stream(withGroup).map(row -> Arrays.stream(row).map(ms -> Math.max(0, ms - oneHead)).toArray())
                    .toArray(double[][]::new);
            double fullParts = typical.fixed() + config.depth() * uniform[grid.heads().length - 1][grid.widths().length - 1];
            double smallestParts = typical.fixed() + config.depth() * (uniform[0][0] + mlp[0] - mlp[mlp.length - 1]);
            Level level = Level.through(typical.model(), fullParts, typical.smallest(), smallestParts);
            double scale = level.scale();
            batches.add(new LatencyTable.BatchLatency(batch, timer.execution(batch), typical.model(), scale * typical.fixed() + level.overheadMs(),
                    scaled(uniform, scale), scaled(extra, scale), Arrays.stream(mlp).map(ms -> ms * scale).toArray(),
                    padded ? scaled(paddedMs, scale) : null, padded ? scaled(paddedNarrowMs, scale) : null,
                    Arrays.stream(typical.width()).map(ms -> ms * scale).toArray()));
        }
        return new LatencyTable(LatencyTable.FORMAT, LatencyTable.VERSION, timer.runtime(), timer.threads(), machine(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), LatencyTable.ModelShape.of(config), grid, batches);
    }

    /**
     * The median over {@link LatencyMeter#PAIRS} pairs of {@code smaller}'s time over {@code larger}'s, the two in alternating
     * order, so that a steady drift cancels.
     */
    private double pairedRatio(LatencyTimer timer, int batch, BlockStructure smaller, BlockStructure larger) {
        double[][] times = LatencyMeter.alternating(LatencyMeter.PAIRS, () -> timer.blockMs(smaller, batch, this::medianMs),
                () -> timer.blockMs(larger, batch, this::medianMs));
        // A runtime that times a block as a difference of models can give 0: no faster than the larger one, then.
        return median(Arrays.stream(times).mapToDouble(pair -> pair[1] > 0 ? pair[0] / pair[1] : 1).toArray());
    }

    /** Whole = overhead + scale x parts, in milliseconds. */
    record Level(double overheadMs, double scale) {
        /** Through the unpruned and the smallest model; the unpruned one's scale alone where the two give no positive scale and overhead. */
        static Level through(double fullMs, double fullParts, double smallestMs, double smallestParts) {
            double scale = (fullMs - smallestMs) / (fullParts - smallestParts);
            double overhead = fullMs - scale * fullParts;
            if (scale > 0 && overhead >= 0 && Double.isFinite(scale)) {
                return new Level(overhead, scale);
            }
            return new Level(0, fullMs / fullParts);
        }
    }

    /**
     * Times of one pass over the grid: the embedding and classifier, the unpruned and the smallest model whole, uniform blocks (heads x
     * width), blocks of one full-width head plus a group (whole, before the head is subtracted), blocks of every MLP width,
     * where the runtime pads, ragged blocks by head count and widest width, the others nearly as wide and of the least width (else null; 0
     * where a point is no ragged block), and blocks of all heads at every width (the width profile).
     */
    private record Measured(double fixed, double model, double smallest, double[][] uniform, double[][] withGroup, double[] mlp,
                            double[][] padded, double[][] paddedNarrow, double[] width) {
        /** Point by point, the median over passes. */
        static Measured median(List<Measured> passes) {
            Measured first = passes.get(0);
            boolean padded = first.padded != null;
            return new Measured(median(passes, m -> new double[][] {{m.fixed}})[0][0], median(passes, m -> new double[][] {{m.model}})[0][0],
                    median(passes, m -> new double[][] {{m.smallest}})[0][0], median(passes, Measured::uniform),
                    median(passes, Measured::withGroup), median(passes, m -> new double[][] {m.mlp})[0],
                    padded ? median(passes, Measured::padded) : null, padded ? median(passes, Measured::paddedNarrow) : null,
                    median(passes, m -> new double[][] {m.width})[0]);
        }

        private static double[][] median(List<Measured> passes, Function<Measured, double[][]> grid) {
            double[][] shape = grid.apply(passes.get(0));
            double[][] result = new double[shape.length][];
            for (int i = 0; i < shape.length; i++) {
                result[i] = new double[shape[i].length];
                for (int j = 0; j < shape[i].length; j++) {
                    int row = i;
                    int column = j;
                    result[i][j] = LatencyCalibration.median(passes.stream().mapToDouble(m -> grid.apply(m)[row][column]).toArray());
                }
            }
            return result;
        }
    }


    /** One pass: every point once, in an order of its own, so that a slow spell of the machine falls on scattered points. */
    private Measured measure(LatencyTimer timer, int batch, GridBlocks.Blocks blocks, Random order, Consumer<String> progress) {
        double[] fixed = new double[1];
        double[] model = new double[1];
        double[] smallest = new double[1];
        List<Runnable> points = new ArrayList<>();
        points.add(() -> {
            fixed[0] = timer.fixedMs(batch, this::medianMs);
            progress.accept("embedding and classifier");
        });
        points.add(() -> {
            model[0] = timer.modelMs(config.initialStructure(), batch, this::medianMs);
            progress.accept("unpruned model");
        });
        points.add(() -> {
            smallest[0] = timer.modelMs(gridBlocks.smallestModel(), batch, this::medianMs);
            progress.accept("smallest model");
        });
        BiConsumer<BlockStructure, DoubleConsumer> timing = (block, store) -> points.add(() -> {
            store.accept(timer.blockMs(block, batch, this::medianMs));
            progress.accept("heads " + block.headWidths() + ", MLP " + block.mlpWidth());
        });
        double[][] uniform = timeEach(blocks.uniform(), timing);
        double[][] padded = timeEach(blocks.padded(), timing);
        double[][] paddedNarrow = timeEach(blocks.paddedNarrow(), timing);
        double[][] mlp = timeEach(blocks.mlp(), timing);
        double[][] withGroup = timeEach(blocks.withGroup(), timing);
        double[][] width = timeEach(blocks.width(), timing);
        Collections.shuffle(points, order);
        points.forEach(Runnable::run);
        return new Measured(fixed[0], model[0], smallest[0], uniform, withGroup, mlp[0], padded, paddedNarrow, width[0]);
    }

    /** Schedules with {@code timing} every block of {@code blocks} (none where null), its time into the grid it returns. */
    private static double[][] timeEach(BlockStructure[][] blocks, BiConsumer<BlockStructure, DoubleConsumer> timing) {
        if (blocks == null) {
            return null;
        }
        double[][] ms = new double[blocks.length][];
        for (int i = 0; i < blocks.length; i++) {
            double[] row = ms[i] = new double[blocks[i].length];
            for (int j = 0; j < blocks[i].length; j++) {
                BlockStructure block = blocks[i][j];
                int column = j;
                if (block != null) {
                    timing.accept(block, time -> row[column] = time);
                }
            }
        }
        return ms;
    }

    /** {@code measured} where it has a block, else {@code others}' time: a padded grid's point that is no ragged block is another grid's. */
    private static double[][] filled(double[][] measured, BlockStructure[][] blocks, double[][] others) {
        double[][] result = new double[measured.length][];
        for (int h = 0; h < measured.length; h++) {
            result[h] = measured[h].clone();
            for (int w = 0; w < result[h].length; w++) {
                if (blocks[h][w] == null) {
                    result[h][w] = others[h][w];
                }
            }
        }
        return result;
    }

    /** {@code narrow}, never above {@code wide} at the same point. */
    private static double[][] noSlowerThan(double[][] narrow, double[][] wide) {
        double[][] result = new double[narrow.length][];
        for (int h = 0; h < narrow.length; h++) {
            result[h] = new double[narrow[h].length];
            for (int w = 0; w < narrow[h].length; w++) {
                result[h][w] = Math.min(narrow[h][w], wide[h][w]);
            }
        }
        return result;
    }


    private double medianMs(Runnable call) {
        return medianMs(call, options.warmups(), options.rounds());
    }

    /** The median time of {@code rounds} calls after {@code warmups} untimed ones, in milliseconds. */
    static double medianMs(Runnable call, int warmups, int rounds) {
        for (int i = 0; i < warmups; i++) {
            call.run();
        }
        double[] times = new double[rounds];
        for (int i = 0; i < times.length; i++) {
            long start = System.nanoTime();
            call.run();
            times[i] = (System.nanoTime() - start) / 1e6;
        }
        return median(times);
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int middle = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }


    private static double[][] scaled(double[][] grid, double scale) {
        return Arrays.stream(grid).map(row -> Arrays.stream(row).map(ms -> ms * scale).toArray()).toArray(double[][]::new);
    }

    /** CPU model, cores, OS: enough to tell a table of this machine from another's. */
    static String machine() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst().orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // Not Linux: the cores and OS still say something.
        }
        return cpu + ", " + Runtime.getRuntime().availableProcessors() + " cores, " + System.getProperty("os.name") + " "
                + System.getProperty("os.arch");
    }
}
