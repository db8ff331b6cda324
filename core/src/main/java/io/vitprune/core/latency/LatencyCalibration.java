package io.vitprune.core.latency;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
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
import java.util.Random;
import java.util.TreeSet;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Measures a {@link LatencyTable} with a runtime's {@link LatencyTimer}: one block at a time, with
 * random weights of the real shapes, over the grid of {@link #grid}. Every point is timed as
 * {@code warmups} calls then the median of {@code rounds} calls, once in each of {@code passes}
 * passes over the whole grid, and keeps its median over the passes: the machine's speed drifts over
 * minutes (on the 2-core VM by up to 1.5x), and a point's least time would keep a fast spell for the
 * points that met one and not for their neighbours, bending the surface's shape; the median ignores
 * any spell shorter than half the passes. Each pass runs the points in an order of its own, so that a
 * spell recurring with the grid's order does not fall on the same points every time. Then
 * each grid is made monotone (a running minimum along every axis from the largest point), so timing
 * noise never makes a narrower block predict slower. Last, the parts are brought to the level of
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
    private final LatencyTable.Grid grid;

    public LatencyCalibration(VitConfig config, Options options) {
        this.config = requireNonNull(config, "config is null");
        this.options = requireNonNull(options, "options are null");
        this.grid = grid(config, options);
    }

    public LatencyTable.Grid grid() {
        return grid;
    }

    /** Blocks timed per pass at one batch (plus the fixed parts): the padded blocks too where the runtime pads at that batch. */
    public int pointsPerBatch(boolean padded) {
        int points = grid.heads().length * grid.widths().length + grid.extraHeads().length * grid.extraWidths().length + grid.mlpWidths().length + 3;
        if (padded) {
            for (int heads : grid.heads()) {
                for (int width : grid.widths()) {
                    points += (paddedBlock(heads, width) == null ? 0 : 1) + (paddedNarrowBlock(heads, width) == null ? 0 : 1);
                }
            }
        }
        return points;
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
        long total = points(timer);
        long[] done = {0};
        Random order = new Random(0);
        List<LatencyTable.BatchLatency> batches = new ArrayList<>();
        for (int batch : options.batches()) {
            boolean padded = pads(timer, batch);
            List<Measured> passes = new ArrayList<>();
            for (int pass = 0; pass < options.passes(); pass++) {
                String label = "batch " + batch + ", pass " + (pass + 1) + "/" + options.passes() + ": ";
                passes.add(measure(timer, batch, padded, order, what -> progress.update(++done[0], total, label + what)));
            }
            Measured typical = Measured.median(passes);
            // A further group: a block of one full-width head plus h heads of width w, less that one head alone (the grid has it).
            double oneHead = typical.uniform()[0][grid.widths().length - 1];
            double[][] extra = new double[grid.extraHeads().length][grid.extraWidths().length];
            for (int h = 0; h < extra.length; h++) {
                for (int w = 0; w < extra[h].length; w++) {
                    extra[h][w] = Math.max(0, typical.withGroup()[h][w] - oneHead);
                }
            }
            double[][] uniform = monotone(typical.uniform());
            double[] mlp = monotone(new double[][] {typical.mlp()})[0];
            double fullParts = typical.fixed() + config.depth() * uniform[grid.heads().length - 1][grid.widths().length - 1];
            double smallestParts = typical.fixed() + config.depth() * (uniform[0][0] + mlp[0] - mlp[mlp.length - 1]);
            Level level = Level.through(typical.model(), fullParts, typical.smallest(), smallestParts);
            double scale = level.scale();
            batches.add(new LatencyTable.BatchLatency(batch, timer.execution(batch), typical.model(), scale * typical.fixed() + level.overheadMs(),
                    scaled(uniform, scale), scaled(monotone(extra), scale), Arrays.stream(mlp).map(ms -> ms * scale).toArray(),
                    padded ? scaled(monotone(typical.padded()), scale) : null, padded ? scaled(narrowest(typical), scale) : null));
        }
        return new LatencyTable(LatencyTable.FORMAT, LatencyTable.VERSION, timer.runtime(), timer.threads(), machine(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), LatencyTable.ModelShape.of(config), grid, batches);
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
     * and where the runtime pads, ragged blocks by head count and widest width, the others nearly as wide and of the least width (else null).
     */
    private record Measured(double fixed, double model, double smallest, double[][] uniform, double[][] withGroup, double[] mlp,
                            double[][] padded, double[][] paddedNarrow) {
        /** Point by point, the median over passes. */
        static Measured median(List<Measured> passes) {
            Measured first = passes.get(0);
            boolean padded = first.padded != null;
            return new Measured(median(passes, m -> new double[][] {{m.fixed}})[0][0], median(passes, m -> new double[][] {{m.model}})[0][0],
                    median(passes, m -> new double[][] {{m.smallest}})[0][0], median(passes, Measured::uniform),
                    median(passes, Measured::withGroup), median(passes, m -> new double[][] {m.mlp})[0],
                    padded ? median(passes, Measured::padded) : null, padded ? median(passes, Measured::paddedNarrow) : null);
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
    private Measured measure(LatencyTimer timer, int batch, boolean padded, Random order, Consumer<String> progress) {
        double[] fixed = new double[1];
        double[] model = new double[1];
        double[] smallest = new double[1];
        double[][] uniform = new double[grid.heads().length][grid.widths().length];
        double[][] withGroup = new double[grid.extraHeads().length][grid.extraWidths().length];
        double[] mlp = new double[grid.mlpWidths().length];
        double[][] paddedMs = padded ? new double[grid.heads().length][grid.widths().length] : null;
        double[][] paddedNarrowMs = padded ? new double[grid.heads().length][grid.widths().length] : null;
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
            smallest[0] = timer.modelMs(smallestModel(), batch, this::medianMs);
            progress.accept("smallest model");
        });
        BiConsumer<BlockStructure, DoubleConsumer> block = (structure, store) -> points.add(() -> {
            store.accept(timer.blockMs(structure, batch, this::medianMs));
            progress.accept("heads " + structure.headWidths() + ", MLP " + structure.mlpWidth());
        });
        for (int h = 0; h < grid.heads().length; h++) {
            for (int w = 0; w < grid.widths().length; w++) {
                int row = h;
                int column = w;
                block.accept(BlockStructure.uniform(grid.heads()[h], grid.widths()[w], config.mlpDim()), ms -> uniform[row][column] = ms);
                BlockStructure ragged = padded ? paddedBlock(grid.heads()[h], grid.widths()[w]) : null;
                if (ragged != null) {
                    block.accept(ragged, ms -> paddedMs[row][column] = ms);
                }
                BlockStructure narrow = padded ? paddedNarrowBlock(grid.heads()[h], grid.widths()[w]) : null;
                if (narrow != null) {
                    block.accept(narrow, ms -> paddedNarrowMs[row][column] = ms);
                }
            }
        }
        for (int m = 0; m < mlp.length; m++) {
            int column = m;
            block.accept(BlockStructure.uniform(config.heads(), config.dimHead(), grid.mlpWidths()[m]), ms -> mlp[column] = ms);
        }
        for (int h = 0; h < grid.extraHeads().length; h++) {
            for (int w = 0; w < grid.extraWidths().length; w++) {
                List<Integer> widths = new ArrayList<>();
                widths.add(config.dimHead());
                widths.addAll(Collections.nCopies(grid.extraHeads()[h], grid.extraWidths()[w]));
                int row = h;
                int column = w;
                block.accept(new BlockStructure(widths, config.mlpDim()), ms -> withGroup[row][column] = ms);
            }
        }
        Collections.shuffle(points, order);
        points.forEach(Runnable::run);
        for (int h = 0; padded && h < grid.heads().length; h++) {
            for (int w = 0; w < grid.widths().length; w++) {
                if (paddedBlock(grid.heads()[h], grid.widths()[w]) == null) {
                    paddedMs[h][w] = uniform[h][w];
                }
                if (paddedNarrowBlock(grid.heads()[h], grid.widths()[w]) == null) {
                    paddedNarrowMs[h][w] = paddedMs[h][w];
                }
            }
        }
        return new Measured(fixed[0], model[0], smallest[0], uniform, withGroup, mlp, paddedMs, paddedNarrowMs);
    }

    /** The padded blocks of fewest channels made monotone, and never above the padded blocks of the same heads and width. */
    private static double[][] narrowest(Measured typical) {
        double[][] wide = monotone(typical.padded());
        double[][] narrow = monotone(typical.paddedNarrow());
        for (int h = 0; h < narrow.length; h++) {
            for (int w = 0; w < narrow[h].length; w++) {
                narrow[h][w] = Math.min(narrow[h][w], wide[h][w]);
            }
        }
        return narrow;
    }

    /** Every block one head of the grid's least width and the least MLP width. */
    ModelStructure smallestModel() {
        return new ModelStructure(config.dim(), Collections.nCopies(config.depth(), BlockStructure.uniform(1, grid.widths()[0], grid.mlpWidths()[0])));
    }

    /**
     * A block of {@code heads} heads padded to {@code width}: all but one head that wide, one at the
     * next narrower width ({@link LatencyTable.Grid#below}); null where no head can be narrower (one
     * head, or width 1), as such a block is uniform. {@code width} is a grid width.
     */
    BlockStructure paddedBlock(int heads, int width) {
        int below = grid.below(width);
        if (heads < 2 || below < 1) {
            return null;
        }
        List<Integer> widths = new ArrayList<>(Collections.nCopies(heads - 1, width));
        widths.add(below);
        return new BlockStructure(widths, config.mlpDim());
    }

    /**
     * A block of {@code heads} heads padded to {@code width} with the fewest channels: one head that
     * wide, the others of the grid's least width; null where that has no fewer channels than {@link
     * #paddedBlock} (one head, or the least width). Padding runs the attention core at the widest
     * width, but the projections at the heads' own: between the two blocks a padded block costs by
     * its channels.
     */
    BlockStructure paddedNarrowBlock(int heads, int width) {
        if (paddedBlock(heads, width) == null || grid.paddedNarrowChannels(heads, width) >= grid.paddedChannels(heads, width)) {
            return null;
        }
        List<Integer> widths = new ArrayList<>(List.of(width));
        widths.addAll(Collections.nCopies(heads - 1, grid.widths()[0]));
        return new BlockStructure(widths, config.mlpDim());
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

    /**
     * Head counts: every count up to 8 heads, else one head and 8 counts evenly spread up to all of them;
     * head widths: half the step, multiples of the step below the full width, and the full width
     * (with half of it when the step leaves none below);
     * added groups: fewer heads than the model has, the head widths narrower than full and one channel
     * less than full (without it, a group nearly as wide as the widest would cost the last step's time);
     * MLP widths: {@code mlpPoints} multiples of the step evenly spread up to the full width, which is
     * always measured, and half the narrowest of them. A width below the grid is priced as the grid's
     * least, and pruning at a high ratio leaves heads and MLPs narrower than one step: without the
     * halves they would cost a step's time.
     */
    static LatencyTable.Grid grid(VitConfig config, Options options) {
        int step = options.widthStep();
        TreeSet<Integer> headCounts = new TreeSet<>(IntStream.of(spread(config.heads(), Math.min(config.heads(), 8), 1)).boxed().toList());
        headCounts.add(1);
        int[] heads = headCounts.stream().mapToInt(Integer::intValue).toArray();
        TreeSet<Integer> widths = new TreeSet<>();
        for (int width = step; width < config.dimHead(); width += step) {
            widths.add(width);
        }
        if (widths.isEmpty() && config.dimHead() > 1) {
            widths.add((config.dimHead() + 1) / 2);
        } else if (step > 1 && !widths.isEmpty()) {
            widths.add(step / 2);
        }
        widths.add(config.dimHead());
        int[] widthGrid = widths.stream().mapToInt(Integer::intValue).toArray();
        int[] extraHeads = IntStream.of(heads).filter(h -> h < config.heads()).toArray();
        // A further group is narrower than the widest, which may be full: up to one channel less than a head.
        int[] extraWidths = IntStream.concat(IntStream.of(widthGrid).filter(w -> w < config.dimHead() - 1), IntStream.of(config.dimHead() - 1))
                .filter(w -> w >= 1).toArray();
        if (extraHeads.length == 0 || extraWidths.length == 0) {
            extraHeads = new int[0];
            extraWidths = new int[0];
        }
        int[] spread = spread(config.mlpDim(), options.mlpPoints(), Math.min(step, config.mlpDim()));
        int[] mlp = spread[0] > 1 ? IntStream.concat(IntStream.of(spread[0] / 2), IntStream.of(spread)).toArray() : spread;
        return new LatencyTable.Grid(heads, widthGrid, extraHeads, extraWidths, mlp);
    }

    /** {@code points} values up to {@code full}, evenly spread, rounded to multiples of {@code unit}, distinct, {@code full} last. */
    private static int[] spread(int full, int points, int unit) {
        TreeSet<Integer> values = new TreeSet<>();
        for (int i = 1; i <= points; i++) {
            int value = (int) Math.round((double) full * i / points / unit) * unit;
            values.add(Math.max(unit, Math.min(full, value)));
        }
        values.add(full);
        return values.stream().mapToInt(Integer::intValue).toArray();
    }

    private static double[][] scaled(double[][] grid, double scale) {
        return Arrays.stream(grid).map(row -> Arrays.stream(row).map(ms -> ms * scale).toArray()).toArray(double[][]::new);
    }

    /**
     * A running minimum along both axes from the largest point down, so that a smaller grid point never
     * holds a larger time. Noise on a busy machine only ever adds time: a spike is cut to what a larger
     * block took, where a running maximum would spread it to every larger point.
     */
    static double[][] monotone(double[][] grid) {
        double[][] result = new double[grid.length][];
        for (int i = grid.length - 1; i >= 0; i--) {
            result[i] = grid[i].clone();
            for (int j = result[i].length - 1; j >= 0; j--) {
                if (j < result[i].length - 1) {
                    result[i][j] = Math.min(result[i][j], result[i][j + 1]);
                }
                if (i < grid.length - 1) {
                    result[i][j] = Math.min(result[i][j], result[i + 1][j]);
                }
            }
        }
        return result;
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
