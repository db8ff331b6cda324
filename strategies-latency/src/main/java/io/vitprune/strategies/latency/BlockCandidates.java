package io.vitprune.strategies.latency;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.Selection;
import io.vitprune.api.UnitKind;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;

/**
 * The widths one block may be cut to, each with the units it removes (the lowest-scored ones): MLP
 * widths and per-head widths at multiples of {@code step} (every head cut to the same width, so
 * heads of one width stay one group), or any number of whole heads; always the block as it is;
 * never one that removes more than {@code ratio} of the block's units.
 */
final class BlockCandidates {
    /** One way to cut a block: the units it removes and the block it leaves. */
    record Candidate(boolean[] removed, BlockStructure result) { }

    private BlockCandidates() {
    }

    static List<Candidate> of(UnitKind kind, BlockStructure block, float[] scores, int step, double ratio) {
        List<Candidate> candidates = new ArrayList<>();
        int units = scores.length;
        for (int keep : keepCounts(kind, block, step)) {
            Candidate candidate = switch (kind) {
                case MLP_UNIT -> new Candidate(Selection.lowest(scores, units - keep), new BlockStructure(block.headWidths(), keep));
                case ATTENTION_HEAD -> {
                    boolean[] removed = Selection.lowest(scores, units - keep);
                    List<Integer> widths = IntStream.range(0, units).filter(h -> !removed[h]).mapToObj(block.headWidths()::get).toList();
                    yield new Candidate(removed, new BlockStructure(widths, block.mlpWidth()));
                }
                case ATTENTION_CHANNEL -> perHead(block, scores, keep);
                case TOKEN -> throw new IllegalArgumentException("tokens are refused by Selection.check");
            };
            int removed = (int) IntStream.range(0, units).filter(i -> candidate.removed()[i]).count();
            if (removed <= ratio * units + 1e-9) {
                candidates.add(candidate);
            }
        }
        return candidates;
    }

    /** Units kept per block (MLP, heads) or per head (channels): multiples of the step, and all of them. */
    private static TreeSet<Integer> keepCounts(UnitKind kind, BlockStructure block, int step) {
        TreeSet<Integer> counts = new TreeSet<>();
        if (kind == UnitKind.ATTENTION_HEAD) {
            IntStream.rangeClosed(1, block.heads()).forEach(counts::add);
            return counts;
        }
        int full = kind == UnitKind.MLP_UNIT ? block.mlpWidth() : block.headWidths().stream().mapToInt(Integer::intValue).max().orElseThrow();
        for (int keep = step; keep < full; keep += step) {
            counts.add(keep);
        }
        counts.add(full);
        return counts;
    }

    /** Every head cut to at most {@code width} channels, its lowest-scored ones going. */
    private static Candidate perHead(BlockStructure block, float[] scores, int width) {
        boolean[] removed = new boolean[scores.length];
        int[] offsets = block.headOffsets();
        List<Integer> widths = new ArrayList<>();
        for (int head = 0; head < block.heads(); head++) {
            float[] inHead = new float[offsets[head + 1] - offsets[head]];
            System.arraycopy(scores, offsets[head], inHead, 0, inHead.length);
            boolean[] gone = Selection.lowest(inHead, Math.max(0, inHead.length - width));
            System.arraycopy(gone, 0, removed, offsets[head], gone.length);
            widths.add(Math.min(width, inHead.length));
        }
        return new Candidate(removed, new BlockStructure(widths, block.mlpWidth()));
    }
}
