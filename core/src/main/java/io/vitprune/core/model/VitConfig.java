package io.vitprune.core.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.data.Preprocessing;
import java.util.Collections;

/**
 * Sizes of a ViT as it was built (methods.md section 1) and its {@link Topology}. Pruning changes
 * block widths, which {@link ModelStructure} records; this record keeps what pruning never
 * changes, including the attention scale {@code dimHead^-0.5}, which a pruned head keeps.
 */
public record VitConfig(int imageSize, int patchSize, int dim, int depth, int heads, int dimHead, int mlpDim, int classes,
                        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = VitPytorchFilter.class) Topology topology,
                        @JsonInclude(value = JsonInclude.Include.CUSTOM, valueFilter = Cifar10Filter.class) Preprocessing preprocessing) {
    public static final int CHANNELS = 3;

    /** A config of the {@link Topology#VIT_PYTORCH} topology, for images normalised as CIFAR-10's. */
    public VitConfig(int imageSize, int patchSize, int dim, int depth, int heads, int dimHead, int mlpDim, int classes) {
        this(imageSize, patchSize, dim, depth, heads, dimHead, mlpDim, classes, Topology.VIT_PYTORCH, null);
    }

    public VitConfig {
        // Configs written before topologies and preprocessing were recorded are vit-pytorch's, for CIFAR-10.
        topology = topology == null ? Topology.VIT_PYTORCH : topology;
        preprocessing = preprocessing == null && imageSize > 0 ? Preprocessing.cifar10Normalised(imageSize) : preprocessing;
        if (preprocessing != null && preprocessing.size() != imageSize) {
            throw new InvalidInputException("preprocessing to " + preprocessing.size() + " pixels: expected the image size " + imageSize);
        }
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

    /** Patches plus the class token (and the distillation token, in a topology with one). */
    public int tokens() {
        return patches() + topology.prefixTokens();
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

    /**
     * Leaves the vit-pytorch topology out of the JSON, so that a config of it reads and hashes as it
     * did before topologies existed (the config SHA-256 of saved models covers that JSON).
     */
    static final class VitPytorchFilter {
        @Override
        public boolean equals(Object value) {
            return Topology.VIT_PYTORCH.equals(value);
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    /** Leaves CIFAR-10's normalisation (the default at any size) out of the JSON, for the same reason. */
    static final class Cifar10Filter {
        @Override
        public boolean equals(Object value) {
            return value instanceof Preprocessing preprocessing && preprocessing.isCifar10Normalised();
        }

        @Override
        public int hashCode() {
            return 0;
        }
    }

    private static void requirePositive(String name, int value) {
        if (value <= 0) {
            throw new InvalidInputException("ViT " + name + " " + value + ": expected > 0");
        }
    }
}
