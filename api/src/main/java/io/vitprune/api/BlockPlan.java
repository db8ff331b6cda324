package io.vitprune.api;

import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * Which units of one block are kept: attention inner channels (indices into the block's inner
 * dimension, heads laid out one after another) and MLP hidden units. Indices are sorted and unique.
 */
public final class BlockPlan {
    private final int[] keptAttentionChannels;
    private final int[] keptMlpUnits;

    public BlockPlan(int[] keptAttentionChannels, int[] keptMlpUnits) {
        this.keptAttentionChannels = sortedUnique(keptAttentionChannels, "kept attention channels");
        this.keptMlpUnits = sortedUnique(keptMlpUnits, "kept MLP units");
    }

    public static BlockPlan keepAll(BlockStructure block) {
        return new BlockPlan(IntStream.range(0, block.attentionWidth()).toArray(), IntStream.range(0, block.mlpWidth()).toArray());
    }

    public int[] keptAttentionChannels() {
        return keptAttentionChannels.clone();
    }

    public int[] keptMlpUnits() {
        return keptMlpUnits.clone();
    }

    /** Kept channels per head of {@code block}, in head order (0 for a head that loses every channel). */
    public int[] keptPerHead(BlockStructure block) {
        int[] offsets = block.headOffsets();
        int[] kept = new int[block.heads()];
        int head = 0;
        for (int channel : keptAttentionChannels) {
            while (channel >= offsets[head + 1]) {
                head++;
            }
            kept[head]++;
        }
        return kept;
    }

    private static int[] sortedUnique(int[] indices, String what) {
        int[] sorted = indices.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] < 0 || (i > 0 && sorted[i] == sorted[i - 1])) {
                throw new InvalidInputException(what + " " + Arrays.toString(indices) + ": expected unique indices >= 0");
            }
        }
        return sorted;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof BlockPlan that
                && Arrays.equals(keptAttentionChannels, that.keptAttentionChannels)
                && Arrays.equals(keptMlpUnits, that.keptMlpUnits);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(keptAttentionChannels) + Arrays.hashCode(keptMlpUnits);
    }

    @Override
    public String toString() {
        return "BlockPlan[attention " + keptAttentionChannels.length + " kept, mlp " + keptMlpUnits.length + " kept]";
    }
}
