package io.vitprune.api;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Which units of every block of a model are kept. A plan is made for one model structure
 * ({@link #source()}) and is checked against the model it is applied to.
 */
public record PruningPlan(ModelStructure source, List<BlockPlan> blocks) {
    public PruningPlan {
        Objects.requireNonNull(source, "source is null");
        blocks = List.copyOf(blocks);
        if (blocks.size() != source.depth()) {
            throw new InvalidInputException("pruning plan has " + blocks.size() + " blocks: expected " + source.depth()
                    + " (one per block of the model it was made for)");
        }
        for (int b = 0; b < blocks.size(); b++) {
            checkIndices(b, "attention channels", blocks.get(b).keptAttentionChannels(), source.block(b).attentionWidth());
            checkIndices(b, "MLP units", blocks.get(b).keptMlpUnits(), source.block(b).mlpWidth());
        }
    }

    public static PruningPlan keepAll(ModelStructure structure) {
        return new PruningPlan(structure, structure.blocks().stream().map(BlockPlan::keepAll).toList());
    }

    public BlockPlan block(int index) {
        return blocks.get(index);
    }

    /** Fails unless this plan was made for a model of exactly this structure. */
    public void requireSource(ModelStructure structure) {
        if (!source.equals(structure)) {
            throw new InvalidInputException("pruning plan was made for a model of structure " + describe(source)
                    + ": the model has " + describe(structure));
        }
    }

    /**
     * The structure a model has after this plan: heads that keep no channel disappear, and the
     * remaining heads are ordered by width, widest first (equal widths stay in order), so that heads
     * of one width sit side by side and run as one batched product.
     */
    public ModelStructure resultStructure() {
        List<BlockStructure> result = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            List<Integer> widths = new ArrayList<>();
            for (int kept : blocks.get(b).keptPerHead(source.block(b))) {
                if (kept > 0) {
                    widths.add(kept);
                }
            }
            widths.sort(Comparator.reverseOrder());
            result.add(new BlockStructure(widths, blocks.get(b).keptMlpUnits().length));
        }
        return new ModelStructure(source.dim(), result);
    }

    /** Keeps a unit only where both plans keep it (e.g. an attention plan combined with an MLP plan). */
    public PruningPlan intersect(PruningPlan other) {
        requireSource(other.source);
        List<BlockPlan> result = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            result.add(new BlockPlan(
                    intersect(block(b).keptAttentionChannels(), other.block(b).keptAttentionChannels()),
                    intersect(block(b).keptMlpUnits(), other.block(b).keptMlpUnits())));
        }
        return new PruningPlan(source, result);
    }

    /** Fraction of the units of {@code kind} this plan removes. */
    public double removedFraction(UnitKind kind) {
        int total = source.totalUnits(kind);
        int kept = resultStructure().totalUnits(kind);
        return 1.0 - (double) kept / total;
    }

    private static int[] intersect(int[] a, int[] b) {
        return Arrays.stream(a).filter(i -> Arrays.binarySearch(b, i) >= 0).toArray();
    }

    private static void checkIndices(int block, String what, int[] kept, int width) {
        if (kept.length == 0) {
            throw new InvalidInputException("pruning plan removes every " + what + " of block " + block
                    + ": expected at least one kept (a block needs a path through it)");
        }
        if (kept[kept.length - 1] >= width) {
            throw new InvalidInputException("pruning plan keeps " + what + " index " + kept[kept.length - 1] + " in block "
                    + block + ": expected indices below the block's width " + width);
        }
    }

    private static String describe(ModelStructure structure) {
        StringBuilder text = new StringBuilder("dim " + structure.dim() + ", blocks [");
        for (int b = 0; b < structure.depth(); b++) {
            BlockStructure block = structure.block(b);
            text.append(b == 0 ? "" : "; ").append("heads ").append(block.headWidths()).append(" mlp ").append(block.mlpWidth());
        }
        return text.append(']').toString();
    }
}
