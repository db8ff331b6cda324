package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * Where and how much dynamic token pruning cuts (methods.md section 4.5): before each block in
 * {@code stages} (block indices, increasing) the patch tokens are cut to the cumulative ratio
 * {@code rho}, {@code rho^2}, ... of the model's patches; the class token is always kept.
 *
 * <p>Stage {@code s} (0-based) keeps {@code max(1, int(patches * rho^(s+1)))} patch tokens per image,
 * the same count for every image, so that a batch stays one rectangular tensor.
 */
public record TokenPruning(List<Integer> stages, double rho) {
    public TokenPruning {
        requireNonNull(stages, "stages are null");
        stages = List.copyOf(stages);
        if (stages.isEmpty()) {
            throw new InvalidInputException("token pruning stages []: expected at least one block index");
        }
        for (int i = 0; i < stages.size(); i++) {
            if (stages.get(i) < 0 || (i > 0 && stages.get(i) <= stages.get(i - 1))) {
                throw new InvalidInputException("token pruning stages " + stages + ": expected increasing block indices >= 0");
            }
        }
        if (!(rho > 0 && rho <= 1)) {
            throw new InvalidInputException("token keep ratio rho " + rho + ": expected a number in (0, 1]");
        }
    }

    /** DynamicViT's default for a model of {@code depth} blocks: before blocks 2 and 4 for depth 6 (depth/3, 2 depth/3), rho 0.7. */
    public static TokenPruning defaults(int depth) {
        if (depth < 3) {
            throw new InvalidInputException("model depth " + depth + ": the default token stages (depth/3, 2 depth/3) need depth >= 3; give stages");
        }
        return new TokenPruning(List.of(depth / 3, 2 * depth / 3), 0.7);
    }

    /** Number of stages. */
    public int count() {
        return stages.size();
    }

    /** The cumulative keep ratio of stage {@code stage} (0-based): {@code rho^(stage+1)}. */
    public double ratio(int stage) {
        requireStage(stage);
        return Math.pow(rho, stage + 1);
    }

    /** Patch tokens kept after stage {@code stage} of a model with {@code patches} patches: {@code max(1, int(patches * rho^(stage+1)))}. */
    public int keep(int patches, int stage) {
        if (patches <= 0) {
            throw new InvalidInputException("patches " + patches + ": expected > 0");
        }
        return Math.max(1, (int) (patches * ratio(stage)));
    }

    /** The stage that precedes block {@code block}, or -1. */
    public int stageBefore(int block) {
        return stages.indexOf(block);
    }

    /** Fails unless every stage is a block of a model of {@code depth} blocks. */
    public void requireFits(int depth) {
        int last = stages.get(stages.size() - 1);
        if (last >= depth) {
            throw new InvalidInputException("token pruning stage before block " + last + ": the model has blocks 0.." + (depth - 1)
                    + "; expected stages " + stages + " within them");
        }
    }

    private void requireStage(int stage) {
        if (stage < 0 || stage >= stages.size()) {
            throw new IllegalArgumentException("stage " + stage + ": expected 0.." + (stages.size() - 1));
        }
    }
}
