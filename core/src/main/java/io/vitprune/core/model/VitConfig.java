package io.vitprune.core.model;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import java.util.Collections;

/**
 * Sizes of a ViT as it was built (methods.md section 1). Pruning changes block widths, which
 * {@link ModelStructure} records; this record keeps what pruning never changes, including the
 * attention scale {@code dimHead^-0.5}, which a pruned head keeps.
 */
public record VitConfig(int imageSize, int patchSize, int dim, int depth, int heads, int dimHead, int mlpDim, int classes) {
    public static final int CHANNELS = 3;

    public VitConfig {
        requirePositive("image size", imageSize);
        requirePositive("patch size", patchSize);
        requirePositive("dim", dim);
        requirePositive("depth", depth);
        requirePositive("heads", heads);
        requirePositive("dim_head", dimHead);
        requirePositive("mlp", mlpDim);
        requirePositive("classes", classes);
        if (imageSize % patchSize != 0) {
            throw new InvalidInputException("patch size " + patchSize + ": expected a divisor of the image size " + imageSize);
        }
    }

    /** The seed paper's model: 9,524,842 parameters. */
    public static VitConfig paper() {
        return new VitConfig(32, 4, 512, 6, 8, 64, 512, 10);
    }

    /** The reference model trained for accuracy experiments on a CPU (issue "Reference model"). */
    public static VitConfig reference() {
        return new VitConfig(32, 4, 192, 6, 6, 32, 384, 10);
    }

    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    public int patches() {
        return patchesPerSide() * patchesPerSide();
    }

    /** Patches plus the class token. */
    public int tokens() {
        return patches() + 1;
    }

    public int patchDim() {
        return patchSize * patchSize * CHANNELS;
    }

    public float attentionScale() {
        return (float) (1.0 / Math.sqrt(dimHead));
    }

    /** The structure of a freshly built, unpruned model. */
    public ModelStructure initialStructure() {
        return new ModelStructure(dim, Collections.nCopies(depth, BlockStructure.uniform(heads, dimHead, mlpDim)));
    }

    /** Fails unless {@code structure} can belong to a model built with this config. */
    public void requireCompatible(ModelStructure structure) {
        if (structure.dim() != dim || structure.depth() != depth) {
            throw new InvalidInputException("model structure with dim " + structure.dim() + " and " + structure.depth()
                    + " blocks: expected dim " + dim + " and " + depth + " blocks as in the config");
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new InvalidInputException("ViT " + name + " " + value + ": expected > 0");
        }
    }
}
