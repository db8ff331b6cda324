package io.vitprune.strategies.latency;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.Selection;
import io.vitprune.api.UnitKind;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The ways one block may be cut, each with the units it removes (the lowest-scored ones): MLP widths
 * at multiples of {@code step}; any number of whole heads; for attention channels, any number of
 * heads each cut to one width at a multiple of {@code step} (heads of one width stay one group, one
 * batched product: a further width would cost a group of its own). Always the block as it is; never
 * one that removes more than {@code ratio} of the block's units.
 */
final class BlockCandidates {
    /** One way to cut a block: the units it removes and the block it leaves. */
    record Candidate(boolean[] removed, BlockStructure result) { }

    private BlockCandidates() {
    }

    static List<Candidate> of(UnitKind kind, BlockStructure block, float[] scores, int step, double ratio) {
        List<Candidate> all = new ArrayList<>();
        int units = scores.length;
        switch (kind) {
            case MLP_UNIT -> widths(block.mlpWidth(), step)
                    .forEach(keep -> all.add(new Candidate(Selection.lowest(scores, units - keep), new BlockStructure(block.headWidths(), keep))));
            case ATTENTION_HEAD -> IntStream.rangeClosed(1, block.heads()).forEach(keep -> {
                boolean[] removed = Selection.lowest(scores, units - keep);
                List<Integer> widths = IntStream.range(0, units).filter(h -> !removed[h]).mapToObj(block.headWidths()::get).toList();
                all.add(new Candidate(removed, new BlockStructure(widths, block.mlpWidth())));
            });
            case ATTENTION_CHANNEL -> {
                int widest = block.headWidths().stream().mapToInt(Integer::intValue).max().orElseThrow();
                for (int width : widths(widest, step)) {
                    for (int heads = 1; heads <= block.heads(); heads++) {
                        all.add(headsOfWidth(block, scores, heads, width));
                    }
                }
            }
            case TOKEN -> throw new IllegalArgumentException("tokens are refused by Selection.check");
        }
        return all.stream().filter(c -> IntStream.range(0, units).filter(i -> c.removed()[i]).count() <= ratio * units + 1e-9).toList();
    }

    /** Multiples of the step below {@code full}, and {@code full}. */
    private static TreeSet<Integer> widths(int full, int step) {
        TreeSet<Integer> widths = new TreeSet<>();
        for (int width = step; width < full; width += step) {
            widths.add(width);
        }
        widths.add(full);
        return widths;
    }

    /**
     * Every head cut to at most {@code width} channels, its lowest-scored going; then all but the
     * {@code heads} heads whose kept channels score highest go whole.
     */
    private static Candidate headsOfWidth(BlockStructure block, float[] scores, int heads, int width) {
        boolean[] removed = new boolean[scores.length];
        int[] offsets = block.headOffsets();
        double[] keptScore = new double[block.heads()];
        for (int head = 0; head < block.heads(); head++) {
            float[] inHead = new float[offsets[head + 1] - offsets[head]];
            System.arraycopy(scores, offsets[head], inHead, 0, inHead.length);
            boolean[] gone = Selection.lowest(inHead, Math.max(0, inHead.length - width));
            for (int i = 0; i < inHead.length; i++) {
                removed[offsets[head] + i] = gone[i];
                keptScore[head] += gone[i] ? 0 : inHead[i];
            }
        }
        int[] order = Selection.lowestFirst(keptScore);
        for (int i = 0; i < block.heads() - heads; i++) {
            java.util.Arrays.fill(removed, offsets[order[i]], offsets[order[i] + 1], true);
        }
        List<Integer> widths = new ArrayList<>();
        for (int head = 0; head < block.heads(); head++) {
            int kept = (int) IntStream.range(offsets[head], offsets[head + 1]).filter(i -> !removed[i]).count();
            if (kept > 0) {
                widths.add(kept);
            }
        }
        return new Candidate(removed, new BlockStructure(widths, block.mlpWidth()));
    }
}
