package io.vitprune.deploy;

import io.vitprune.api.BlockStructure;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The heads of one block as the graph lays them out: groups of equal-width heads, each one batched
 * product, and for every laid-out inner channel the model's channel it carries (-1: a zero pad).
 */
record AttentionLayout(List<Group> groups, int[] sourceChannels) {
    /** {@code heads} heads of {@code width} channels each. */
    record Group(int heads, int width) {
        int channels() {
            return heads * width;
        }
    }

    static AttentionLayout of(BlockStructure block, HeadLayout layout) {
        List<Integer> widths = block.headWidths();
        return switch (layout) {
            case GROUPED -> identity(block, runsOfEqualWidth(widths));
            case PER_HEAD -> identity(block, widths.stream().map(w -> new Group(1, w)).toList());
            case PADDED -> padded(widths);
        };
    }

    int width() {
        return sourceChannels.length;
    }

    private static AttentionLayout identity(BlockStructure block, List<Group> groups) {
        int[] channels = new int[block.attentionWidth()];
        for (int c = 0; c < channels.length; c++) {
            channels[c] = c;
        }
        return new AttentionLayout(groups, channels);
    }

    private static AttentionLayout padded(List<Integer> widths) {
        int widest = Collections.max(widths);
        int[] channels = new int[widths.size() * widest];
        int source = 0;
        for (int h = 0; h < widths.size(); h++) {
            for (int c = 0; c < widest; c++) {
                channels[h * widest + c] = c < widths.get(h) ? source + c : -1;
            }
            source += widths.get(h);
        }
        return new AttentionLayout(List.of(new Group(widths.size(), widest)), channels);
    }

    /** Heads of equal width are adjacent (surgery orders them so): one group per run. */
    private static List<Group> runsOfEqualWidth(List<Integer> widths) {
        List<Group> groups = new ArrayList<>();
        for (int h = 0; h < widths.size(); ) {
            int width = widths.get(h);
            int count = 0;
            while (h < widths.size() && widths.get(h) == width) {
                h++;
                count++;
            }
            groups.add(new Group(count, width));
        }
        return List.copyOf(groups);
    }
}
