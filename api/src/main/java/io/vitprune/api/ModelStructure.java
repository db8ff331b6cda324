package io.vitprune.api;

import java.util.List;

/** The prunable shape of a ViT: model width and the widths of every block. */
public record ModelStructure(int dim, List<BlockStructure> blocks) {
    public ModelStructure {
        blocks = List.copyOf(blocks);
        if (dim <= 0 || blocks.isEmpty()) {
            throw new InvalidInputException("model structure: expected dim > 0 and at least one block, got dim " + dim
                    + " and " + blocks.size() + " blocks");
        }
    }

    public int depth() {
        return blocks.size();
    }

    public BlockStructure block(int index) {
        return blocks.get(index);
    }

    /** Units of a kind in every block together. */
    public int totalUnits(UnitKind kind) {
        return blocks.stream().mapToInt(b -> b.units(kind)).sum();
    }
}
