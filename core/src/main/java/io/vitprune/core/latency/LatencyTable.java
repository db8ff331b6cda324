package io.vitprune.core.latency;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.VitConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Latencies of one model shape measured on one machine and runtime, per batch: what
 * {@code vitprune calibrate} writes and {@link LatencyModel} predicts from. As JSON:
 * <pre>{@code
 * {"format": "vitprune-latency", "version": 4, "runtime": "libtorch", "threads": 2,
 *  "machine": "AMD EPYC 7B13, 2 cores, Linux amd64", "date": "2026-12-07T11:02:03Z",
 *  "model": {"dim": 192, "tokens": 65, "depth": 6, "heads": 6, "dimHead": 32, "mlpDim": 384, "patchDim": 48, "classes": 10},
 *  "grid": {"heads": [1, ..., 6], "widths": [4, 8, 16, 24, 32], "extraHeads": [1, ..., 5], "extraWidths": [4, 8, 16, 24, 31],
 *           "mlpWidths": [24, 48, ..., 384]},
 *  "batches": [{"batch": 1, "execution": "PADDED", "modelMs": 4.7, "fixedMs": 0.1,
 *               "uniformMs": [[...] per width] per head count, "extraGroupMs": [[...]], "mlpMs": [...],
 *               "paddedMs": [[...] per width] per head count, "paddedNarrowMs": [[...]], "widthMs": [...] per width 1 to dimHead}]}
 * }</pre>
 * {@code uniformMs[h][w]}: one block whose heads all have one width (full MLP); {@code
 * extraGroupMs[h][w]}: what a further group of heads of a narrower width adds to a block;
 * {@code mlpMs[m]}: one block of full attention with MLP width m; {@code paddedMs[h][w]}, only where
 * the execution is padded: one block of h heads padded to width w (all but one head w wide, one
 * narrower: {@link Grid#below}), the same as {@code uniformMs} for one head; {@code
 * paddedNarrowMs[h][w]}, likewise: one head w wide, the others of the least width (padding runs the
 * attention core at the widest width, the projections at the heads' own); {@code fixedMs}: what no pruning of blocks
 * changes: patch embedding, classifier, and what a whole pass costs beyond its parts timed apart;
 * {@code widthMs[w - 1]}: one block of all heads w wide (full MLP), for every width w: how a width
 * between two grid widths departs from the line between them (a width that fills the runtime's
 * vectors unevenly can run slower than a wider one);
 * {@code modelMs}: the unpruned model, measured whole. Calibration brings the parts to the level of
 * whole models (the unpruned one's add up to {@code modelMs}). Every value is in milliseconds per
 * call of the whole batch.
 */
public record LatencyTable(String format, int version, String runtime, int threads, String machine, String date,
                           ModelShape model, Grid grid, List<BatchLatency> batches) {
    public static final String FORMAT = "vitprune-latency";
    public static final int VERSION = 4;
    /**
     * Version 2 tables lack {@code paddedNarrowMs}: a padded block is priced as its heads at the widest width; versions 2 and 3
     * lack {@code widthMs}: a width between grid widths is priced on the line between them.
     */
    private static final int OLDEST_READ = 2;
    public static final String LIBTORCH = "libtorch";
    /** The execution of a batch whose ragged blocks run all heads padded to the widest width (libtorch at batch 1). */
    public static final String PADDED = "PADDED";

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setSerializationInclusion(JsonInclude.Include.NON_NULL).disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    /** The sizes a latency depends on; a table predicts only for a model of the same ones. */
    public record ModelShape(int dim, int tokens, int depth, int heads, int dimHead, int mlpDim, int patchDim, int classes) {
        public static ModelShape of(VitConfig config) {
            return new ModelShape(config.dim(), config.tokens(), config.depth(), config.heads(), config.dimHead(), config.mlpDim(),
                    config.patchDim(), config.classes());
        }
    }

    /** The measured points: head counts and head widths of uniform blocks, of added groups, and MLP widths (each ascending). */
    public record Grid(int[] heads, int[] widths, int[] extraHeads, int[] extraWidths, int[] mlpWidths) {
        /** The narrower head of a padded block {@code width} wide: the next narrower grid width, or half the least; 0 where none. */
        public int below(int width) {
            int narrower = 0;
            for (int grid : widths) {
                if (grid < width) {
                    narrower = grid;
                }
            }
            return narrower > 0 ? narrower : width / 2;
        }

        /** Channels of the padded block calibration measures at {@code heads} and {@code width}: all but one head that wide, one {@link #below}. */
        public int paddedChannels(int heads, int width) {
            return (heads - 1) * width + below(width);
        }

        /** Channels of the narrow padded block calibration measures: one head {@code width} wide, the others of the least width. */
        public int paddedNarrowChannels(int heads, int width) {
            return width + (heads - 1) * widths[0];
        }
    }

    /**
     * The measurements at one batch size.
     *
     * @param execution how blocks with heads of several widths ran (the runtime's choice at this batch)
     * @param modelMs the unpruned model, measured whole: the other times are scaled so that its parts add up to it
     * @param paddedMs blocks with heads of several widths run padded to the widest, where {@code execution} is {@link #PADDED}; else null
     * @param paddedNarrowMs the same with the other heads of the least width (null where {@code paddedMs} is, and in version 2)
     * @param widthMs blocks of all heads at every width from 1 to the full one (null before version 4)
     */
    public record BatchLatency(int batch, String execution, double modelMs, double fixedMs, double[][] uniformMs, double[][] extraGroupMs,
                               double[] mlpMs, double[][] paddedMs, double[][] paddedNarrowMs, double[] widthMs) {
        /** Whether heads of several widths run as one product padded to the widest (else one product per width). */
        public boolean padded() {
            return PADDED.equals(execution);
        }
    }

    public LatencyTable {
        batches = batches == null ? List.of() : List.copyOf(batches);
    }

    /** The measurements at {@code batch}; fails naming the batches this table has. */
    public BatchLatency batch(int batch) {
        return batches.stream().filter(b -> b.batch() == batch).findFirst()
                .orElseThrow(() -> new InvalidInputException("latency table (" + runtime + ") was measured at batch " + batchList()
                        + ": expected batch " + batch + " (calibrate with --batch " + batch + ")"));
    }

    /** Fails unless this table was measured on {@code expected}. */
    public void requireRuntime(String expected) {
        if (!runtime.equals(expected)) {
            throw new InvalidInputException("latency table was measured on runtime " + runtime + ": expected " + expected
                    + " (calibrate with --runtime " + expected + ")");
        }
    }

    /** Fails naming the first size in which {@code config} differs from the model this table was measured for. */
    public void requireModel(VitConfig config) {
        ModelShape other = ModelShape.of(config);
        requireSame("dim", model.dim(), other.dim());
        requireSame("tokens", model.tokens(), other.tokens());
        requireSame("depth", model.depth(), other.depth());
        requireSame("heads", model.heads(), other.heads());
        requireSame("dim_head", model.dimHead(), other.dimHead());
        requireSame("mlp width", model.mlpDim(), other.mlpDim());
        requireSame("patch size (values per patch)", model.patchDim(), other.patchDim());
        requireSame("classes", model.classes(), other.classes());
    }

    /**
     * Fails unless a model of {@code structure} (all a selector sees: dim, depth, block widths) can be
     * predicted: same dim and depth, and no block wider than the measured model's.
     */
    public void requireFits(ModelStructure structure) {
        requireSame("dim", model.dim(), structure.dim());
        requireSame("depth", model.depth(), structure.depth());
        for (int b = 0; b < structure.depth(); b++) {
            BlockStructure block = structure.block(b);
            int widest = block.headWidths().stream().mapToInt(Integer::intValue).max().orElseThrow();
            if (block.heads() > model.heads() || widest > model.dimHead() || block.mlpWidth() > model.mlpDim()) {
                throw new InvalidInputException("block " + b + " has " + block.heads() + " heads up to " + widest + " wide and MLP width "
                        + block.mlpWidth() + ": the latency table was measured up to " + model.heads() + " heads of " + model.dimHead()
                        + " and MLP width " + model.mlpDim());
            }
        }
    }

    private void requireSame(String size, int measured, int given) {
        if (measured != given) {
            throw new InvalidInputException("latency table was measured for a model of " + size + " " + measured + ": the model has "
                    + size + " " + given + " (calibrate on this model)");
        }
    }

    private String batchList() {
        return batches.stream().map(b -> Integer.toString(b.batch())).collect(Collectors.joining(", "));
    }

    public void write(Path file) throws IOException {
        AtomicFiles.write(file, JSON.writeValueAsBytes(this));
    }

    /** Reads and checks a table; fails naming the file and the first thing that is not as {@code calibrate} writes it. */
    public static LatencyTable read(Path file) {
        requireNonNull(file, "file is null");
        LatencyTable table;
        try {
            table = JSON.readValue(Files.readAllBytes(file), LatencyTable.class);
        } catch (NoSuchFileException e) {
            throw new InvalidInputException("latency table " + file + " does not exist: expected a file written by 'vitprune calibrate'", e);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException("latency table " + file + " is not valid: " + e.getOriginalMessage()
                    + " (expected a file written by 'vitprune calibrate')", e);
        } catch (IOException e) {
            throw new InvalidInputException("latency table " + file + " cannot be read: " + AtomicFiles.describe(e), e);
        }
        table.check(file);
        return table;
    }

    /** For the output guard: an existing file may be replaced only when it is a latency table (vitprune wrote it). */
    public static void requireReplaceable(Path file) {
        try {
            read(file);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(file + " exists and is not a latency table vitprune wrote: expected a new path or an "
                    + "earlier latency table (" + e.getMessage() + ")", e);
        }
    }

    private void check(Path file) {
        String where = "latency table " + file;
        if (!FORMAT.equals(format)) {
            throw new InvalidInputException(where + " has format '" + format + "': expected '" + FORMAT + "'");
        }
        if (version < OLDEST_READ || version > VERSION) {
            throw new InvalidInputException(where + " has version " + version + ": this vitprune reads versions " + OLDEST_READ + " to " + VERSION
                    + " (calibrate again: version 2 added the padded blocks)");
        }
        if (runtime == null || model == null || grid == null || batches.isEmpty()) {
            throw new InvalidInputException(where + " lacks its runtime, model, grid or batches: expected all four");
        }
        requireAscending(where, "grid.heads", grid.heads(), false);
        requireAscending(where, "grid.widths", grid.widths(), false);
        requireAscending(where, "grid.extraHeads", grid.extraHeads(), true);
        requireAscending(where, "grid.extraWidths", grid.extraWidths(), true);
        requireAscending(where, "grid.mlpWidths", grid.mlpWidths(), false);
        for (BatchLatency batch : batches) {
            String at = where + " at batch " + batch.batch();
            requireValue(at, "modelMs", batch.modelMs());
            requireValue(at, "fixedMs", batch.fixedMs());
            requireMatrix(at, "uniformMs", batch.uniformMs(), grid.heads().length, grid.widths().length);
            requireMatrix(at, "extraGroupMs", batch.extraGroupMs(), grid.extraHeads().length, grid.extraWidths().length);
            requireMatrix(at, "mlpMs", new double[][] {batch.mlpMs()}, 1, grid.mlpWidths().length);
            if (version >= 4) {
                requireMatrix(at, "widthMs", new double[][] {batch.widthMs()}, 1, model.dimHead());
            }
            if (batch.padded()) {
                requireMatrix(at, "paddedMs", batch.paddedMs(), grid.heads().length, grid.widths().length);
                if (version > OLDEST_READ) {
                    requireMatrix(at, "paddedNarrowMs", batch.paddedNarrowMs(), grid.heads().length, grid.widths().length);
                }
            } else if (batch.paddedMs() != null || batch.paddedNarrowMs() != null) {
                throw new InvalidInputException(at + " has padded blocks for execution " + batch.execution() + ": expected them only for "
                        + PADDED);
            }
        }
    }

    private static void requireAscending(String where, String name, int[] values, boolean mayBeEmpty) {
        if (values == null || (values.length == 0 && !mayBeEmpty)) {
            throw new InvalidInputException(where + " has no " + name + ": expected ascending widths > 0");
        }
        for (int i = 0; i < values.length; i++) {
            if (values[i] <= 0 || (i > 0 && values[i] <= values[i - 1])) {
                throw new InvalidInputException(where + " has " + name + " " + java.util.Arrays.toString(values) + ": expected ascending values > 0");
            }
        }
    }

    private static void requireMatrix(String where, String name, double[][] values, int rows, int columns) {
        if (values == null || values.length != rows) {
            throw new InvalidInputException(where + ": " + name + " has " + (values == null ? "no" : values.length) + " rows: expected " + rows);
        }
        for (double[] row : values) {
            if (row == null || row.length != columns) {
                throw new InvalidInputException(where + ": " + name + " has a row of " + (row == null ? 0 : row.length)
                        + " values: expected " + columns + " (one per grid point)");
            }
            for (double value : row) {
                requireValue(where, name, value);
            }
        }
    }

    private static void requireValue(String where, String name, double value) {
        if (!(value >= 0 && Double.isFinite(value))) {
            throw new InvalidInputException(where + ": " + name + " holds " + value + ": expected milliseconds >= 0");
        }
    }
}
