package io.vitprune.deploy;

/** Keys of the {@code metadata_props} every exported file carries. */
public final class MetadataKeys {
    public static final String VERSION = "vitprune.version";
    public static final String IMAGE_SIZE = "vitprune.image_size";
    public static final String PATCH_SIZE = "vitprune.patch_size";
    public static final String CHANNELS = "vitprune.channels";
    public static final String CLASSES = "vitprune.classes";
    /** The model's {@code VitConfig} as JSON, as in its {@code model.json}. */
    public static final String CONFIG = "vitprune.config";
    /** The model's (possibly pruned) {@code ModelStructure} as JSON. */
    public static final String STRUCTURE = "vitprune.structure";
    /** The SHA-256 of the source model's parameters file: the model's identity, as its manifest records it. */
    public static final String PARAMETERS_SHA256 = "vitprune.parameters_sha256";
    /** How an image becomes the input ({@code Preprocessing} as JSON: resize, crop, per-channel mean and std of {@code x / 255}). */
    public static final String PREPROCESSING = "vitprune.preprocessing";
    public static final String HEAD_LAYOUT = "vitprune.head_layout";
    public static final String QUANTIZATION = "vitprune.quantization";

    private MetadataKeys() {
    }
}
