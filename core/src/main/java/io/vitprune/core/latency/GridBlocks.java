package io.vitprune.core.latency;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.model.VitConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/** What {@link LatencyCalibration} times for one model shape: its grid ({@link #grid}) and the block of every grid point. */
final class GridBlocks {
    private final VitConfig config;
    private final LatencyTable.Grid grid;

    GridBlocks(VitConfig config, int widthStep, int mlpPoints) {
        this.config = config;
        this.grid = grid(config, widthStep, mlpPoints);
    }

    LatencyTable.Grid grid() {
        return grid;
    }

    /**
     * The block of every grid point, grid by grid: uniform blocks (heads x width), one full-width head
     * plus a group, every MLP width (one row), where the runtime pads ragged blocks by head count and
     * widest width (else null; null at a point that is no ragged block: one head, or the least width),
     * and all heads at every width (one row: the width profile).
     */
    record Blocks(BlockStructure[][] uniform, BlockStructure[][] withGroup, BlockStructure[][] mlp, BlockStructure[][] padded,
                  BlockStructure[][] paddedNarrow, BlockStructure[][] width) {
    }

    /** The blocks timed at a batch where the runtime pads ragged blocks ({@code padded}) or not. */
    Blocks at(boolean padded) {
        int heads = grid.heads().length;
        int widths = grid.widths().length;
        BlockStructure[][] uniform = new BlockStructure[heads][widths];
        BlockStructure[][] paddedBlocks = padded ? new BlockStructure[heads][widths] : null;
        BlockStructure[][] narrowBlocks = padded ? new BlockStructure[heads][widths] : null;
        for (int h = 0; h < heads; h++) {
            for (int w = 0; w < widths; w++) {
                uniform[h][w] = BlockStructure.uniform(grid.heads()[h], grid.widths()[w], config.mlpDim());
                if (padded) {
                    paddedBlocks[h][w] = paddedBlock(grid.heads()[h], grid.widths()[w]);
                    narrowBlocks[h][w] = paddedNarrowBlock(grid.heads()[h], grid.widths()[w]);
                }
            }
        }
        BlockStructure[][] mlp = {IntStream.of(grid.mlpWidths()).mapToObj(width -> BlockStructure.uniform(config.heads(), config.dimHead(), width))
                .toArray(BlockStructure[]::new)};
        BlockStructure[][] withGroup = new BlockStructure[grid.extraHeads().length][grid.extraWidths().length];
        for (int h = 0; h < withGroup.length; h++) {
            for (int w = 0; w < withGroup[h].length; w++) {
                List<Integer> headWidths = new ArrayList<>();
                headWidths.add(config.dimHead());
                headWidths.addAll(Collections.nCopies(grid.extraHeads()[h], grid.extraWidths()[w]));
                withGroup[h][w] = new BlockStructure(headWidths, config.mlpDim());
            }
        }
        BlockStructure[][] width = {IntStream.rangeClosed(1, config.dimHead()).mapToObj(w -> BlockStructure.uniform(config.heads(), w, config.mlpDim()))
                .toArray(BlockStructure[]::new)};
        return new Blocks(uniform, withGroup, mlp, paddedBlocks, narrowBlocks, width);
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
    private static LatencyTable.Grid grid(VitConfig config, int step, int mlpPoints) {
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
        int[] spread = spread(config.mlpDim(), mlpPoints, Math.min(step, config.mlpDim()));
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
}
