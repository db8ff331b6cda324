package io.vitprune.core.testing;

import io.vitprune.core.latency.LatencyCalibration;
import io.vitprune.core.latency.LatencyTable;
import io.vitprune.core.model.VitConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Synthetic latency tables, so that tests of what is predicted from a table never depend on a
 * timing: on the grid {@code calibrate} would measure, a block of one width costs
 * {@code 1 + 0.01 heads width + 0.05 heads} ms, each further width {@code 0.3 + 0.01 heads width +
 * 0.05 heads} ms, the MLP {@code 0.005} ms per unit, the embedding and classifier 0.2 ms; all times the batch.
 * The width profile lies on that line (a block of all heads costs as the grid says at every width).
 * Batch 1 runs padded: a ragged block of h heads padded to width w costs a uniform one plus {@link #PAD_MS},
 * less {@link #PADDED_MS_PER_CHANNEL} for each channel it has fewer than h - 1 heads of w and one of the next narrower width.
 */
public final class TestLatencyTables {
    public static final double GROUP_MS = 0.3;
    public static final double PAD_MS = 0.4;
    public static final double PADDED_MS_PER_CHANNEL = 0.002;

    private TestLatencyTables() {
    }

    public static LatencyTable of(VitConfig config, int widthStep, String runtime, int... batches) {
        LatencyTable.Grid grid = new LatencyCalibration(config, new LatencyCalibration.Options(List.of(1), widthStep, 4, 0, 1, 1)).grid();
        List<LatencyTable.BatchLatency> measured = new ArrayList<>();
        for (int batch : batches) {
            double[][] uniform = new double[grid.heads().length][grid.widths().length];
            for (int h = 0; h < uniform.length; h++) {
                for (int w = 0; w < uniform[h].length; w++) {
                    uniform[h][w] = batch * (1 + 0.01 * grid.heads()[h] * grid.widths()[w] + 0.05 * grid.heads()[h]);
                }
            }
            double[][] extra = new double[grid.extraHeads().length][grid.extraWidths().length];
            for (int h = 0; h < extra.length; h++) {
                for (int w = 0; w < extra[h].length; w++) {
                    extra[h][w] = batch * (GROUP_MS + 0.01 * grid.extraHeads()[h] * grid.extraWidths()[w] + 0.05 * grid.extraHeads()[h]);
                }
            }
            double[] mlp = new double[grid.mlpWidths().length];
            for (int m = 0; m < mlp.length; m++) {
                mlp[m] = batch * 0.005 * grid.mlpWidths()[m];
            }
            double[][] padded = null;
            double[][] paddedNarrow = null;
            if (batch == 1) {
                padded = new double[uniform.length][];
                paddedNarrow = new double[uniform.length][uniform[0].length];
                for (int h = 0; h < uniform.length; h++) {
                    int heads = grid.heads()[h];
                    double pad = heads > 1 ? PAD_MS : 0;
                    padded[h] = Arrays.stream(uniform[h]).map(ms -> ms + pad).toArray();
                    for (int w = 0; w < uniform[h].length; w++) {
                        int width = grid.widths()[w];
                        double fewer = grid.paddedChannels(heads, width) - grid.paddedNarrowChannels(heads, width);
                        paddedNarrow[h][w] = padded[h][w] - PADDED_MS_PER_CHANNEL * Math.max(0, heads > 1 ? fewer : 0);
                    }
                }
            }
            double model = batch * 0.2 + config.depth() * uniform[uniform.length - 1][uniform[0].length - 1];
            int heads = config.heads();
            double[] profile = IntStream.rangeClosed(1, config.dimHead()).mapToDouble(width -> batch * (1 + 0.01 * heads * width + 0.05 * heads))
                    .toArray();
            measured.add(new LatencyTable.BatchLatency(batch, batch == 1 ? LatencyTable.PADDED : "GROUPED", model, batch * 0.2, uniform, extra, mlp,
                    padded, paddedNarrow, profile));
        }
        return new LatencyTable(LatencyTable.FORMAT, LatencyTable.VERSION, runtime, 2, "test machine", "2026-12-07T00:00:00Z",
                LatencyTable.ModelShape.of(config), grid, measured);
    }

    public static LatencyTable of(VitConfig config, int widthStep) {
        return of(config, widthStep, LatencyTable.LIBTORCH, 1, 32);
    }
}
