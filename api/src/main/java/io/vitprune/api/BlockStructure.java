package io.vitprune.api;

import java.util.List;

/**
 * Widths of one transformer block: one entry per attention head (heads may differ after pruning)
 * and the MLP hidden width.
 */
public record BlockStructure(List<Integer> headWidths, int mlpWidth) {
    public BlockStructure {
        headWidths = List.copyOf(headWidths);
        if (headWidths.isEmpty() || headWidths.stream().anyMatch(w -> w <= 0)) {
            throw new InvalidInputException("head widths " + headWidths + ": expected at least one head, each wider than 0");
        }
        if (mlpWidth <= 0) {
            throw new InvalidInputException("MLP width " + mlpWidth + ": expected > 0");
        }
    }

    public static BlockStructure uniform(int heads, int dimHead, int mlpWidth) {
        return new BlockStructure(java.util.Collections.nCopies(heads, dimHead), mlpWidth);
    }

    /** The attention inner dimension: the sum of the head widths. */
    public int attentionWidth() {
        return headWidths.stream().mapToInt(Integer::intValue).sum();
    }

    public int heads() {
        return headWidths.size();
    }

    /** Index of the first inner channel of every head, plus the total width at the end. */
    public int[] headOffsets() {
        int[] offsets = new int[heads() + 1];
        for (int h = 0; h < heads(); h++) {
            offsets[h + 1] = offsets[h] + headWidths.get(h);
        }
        return offsets;
    }

    public int units(UnitKind kind) {
        return switch (kind) {
            case ATTENTION_CHANNEL -> attentionWidth();
            case ATTENTION_HEAD -> heads();
            case MLP_UNIT -> mlpWidth;
            case TOKEN -> throw new InvalidInputException("tokens are pruned per image, not per block structure");
        };
    }
}
