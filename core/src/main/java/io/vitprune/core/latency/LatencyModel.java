package io.vitprune.core.latency;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import java.util.Comparator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * Predicts the latency of any structure from a {@link LatencyTable} at one batch size:
 * <pre>
 * model = fixed + sum over blocks of
 *         uniform(heads of the widest group, its width) + sum over narrower groups of extraGroup(heads, width)
 *         + mlp(MLP width) - mlp(full MLP width)
 * </pre>
 * Heads of one width run as one group (one batched product), so a ragged block pays per distinct
 * width: each narrower group is priced by the measured cost of adding such a group to a block, not
 * by its arithmetic alone. Where the table's execution is padded (libtorch at batch 1), all heads of
 * a ragged block run as one product padded to the widest width, so the attention term is instead
 * measured on ragged blocks of its head count and widest width: the gathers that pad and the core
 * cost as at the widest width, the projections by the heads' own channels, so the block is priced
 * between the one whose other heads are nearly as wide ({@code paddedMs}) and the one whose others
 * are of the least width ({@code paddedNarrowMs}), linearly in its channels. Every term interpolates its grid
 * piecewise-linearly, so a plan whose widths are grid points is predicted from measurements alone;
 * calibration makes every grid monotone, so narrower never predicts slower within one layout.
 */
public final class LatencyModel {
    private final LatencyTable.Grid grid;
    private final LatencyTable.BatchLatency latency;
    private final int fullMlp;
    private final int fullHeads;
    /** The width profile at the widths of uniform blocks and of added groups; null where the table has no profile. */
    private final double[] profileAtWidths;
    private final double[] profileAtExtraWidths;

    private LatencyModel(LatencyTable table, LatencyTable.BatchLatency latency) {
        this.grid = table.grid();
        this.latency = latency;
        this.fullMlp = table.model().mlpDim();
        this.fullHeads = table.model().heads();
        this.profileAtWidths = profileAt(grid.widths());
        this.profileAtExtraWidths = profileAt(grid.extraWidths());
    }

    /** The model of {@code table} at {@code batch}; fails naming the batches the table has. */
    public static LatencyModel of(LatencyTable table, int batch) {
        requireNonNull(table, "table is null");
        return new LatencyModel(table, table.batch(batch));
    }

    public int batch() {
        return latency.batch();
    }

    /** What no pruning of blocks changes: patch embedding, classifier, and a whole pass's overhead beyond its parts. */
    public double fixedMs() {
        return latency.fixedMs();
    }

    public double modelMs(ModelStructure structure) {
        return fixedMs() + structure.blocks().stream().mapToDouble(this::blockMs).sum();
    }

    public double blockMs(BlockStructure block) {
        Map<Integer, Integer> headsByWidth = new TreeMap<>(Comparator.reverseOrder());
        block.headWidths().forEach(width -> headsByWidth.merge(width, 1, Integer::sum));
        if (headsByWidth.size() > 1 && grid.extraHeads().length == 0) {
            throw new InvalidInputException("block with heads " + block.headWidths() + ": the latency table holds no block with heads of "
                    + "several widths (its model has one head, or heads one channel wide): expected a table measured for a model with more");
        }
        if (headsByWidth.size() > 1 && latency.padded()) {
            int widest = headsByWidth.keySet().iterator().next();
            return paddedMs(block, widest) + offLine(grid.widths(), profileAtWidths, block.heads(), widest) + mlpMs(block.mlpWidth())
                    - mlpMs(fullMlp);
        }
        double ms = 0;
        boolean widest = true;
        for (Map.Entry<Integer, Integer> group : headsByWidth.entrySet()) {
            ms += widest
                    ? Interpolation.bilinear(grid.heads(), grid.widths(), latency.uniformMs(), group.getValue(), group.getKey())
                            + offLine(grid.widths(), profileAtWidths, group.getValue(), group.getKey())
                    : Interpolation.bilinear(grid.extraHeads(), grid.extraWidths(), latency.extraGroupMs(), group.getValue(), group.getKey())
                            + offLine(grid.extraWidths(), profileAtExtraWidths, group.getValue(), group.getKey());
            widest = false;
        }
        return ms + mlpMs(block.mlpWidth()) - mlpMs(fullMlp);
    }

    private double[] profileAt(int[] widths) {
        return latency.widthMs() == null ? null : IntStream.of(widths).mapToDouble(width -> latency.widthMs()[width - 1]).toArray();
    }

    /**
     * What {@code heads} heads {@code width} wide run above (or below) the line between the grid widths {@code widths} around it
     * (those the term's interpolation used), by the width profile ({@code profile} at {@code widths}): its departure there, times
     * the heads' share of all heads. Zero at grid widths, outside the grid, and without a profile.
     */
    private double offLine(int[] widths, double[] profile, int heads, int width) {
        if (profile == null || width <= widths[0] || width >= widths[widths.length - 1]) {
            return 0;
        }
        return (latency.widthMs()[width - 1] - Interpolation.linear(widths, profile, width)) * heads / fullHeads;
    }

    private double paddedMs(BlockStructure block, int widest) {
        int heads = block.heads();
        double wide = Interpolation.bilinear(grid.heads(), grid.widths(), latency.paddedMs(), heads, widest);
        double wideChannels = grid.paddedChannels(heads, widest);
        double narrowChannels = grid.paddedNarrowChannels(heads, widest);
        if (latency.paddedNarrowMs() == null || narrowChannels >= wideChannels) {
            return wide;
        }
        double narrow = Interpolation.bilinear(grid.heads(), grid.widths(), latency.paddedNarrowMs(), heads, widest);
        double t = Math.max(0, Math.min(1, (block.attentionWidth() - narrowChannels) / (wideChannels - narrowChannels)));
        return narrow + t * (wide - narrow);
    }

    private double mlpMs(int width) {
        return Interpolation.linear(grid.mlpWidths(), latency.mlpMs(), width);
    }
}
