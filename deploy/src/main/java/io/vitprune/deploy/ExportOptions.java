package io.vitprune.deploy;

import java.util.Objects;

/** How {@link OnnxExport} writes a model. */
public record ExportOptions(HeadLayout headLayout, Quantization quantization) {
    public ExportOptions {
        Objects.requireNonNull(headLayout, "head layout is null");
        Objects.requireNonNull(quantization, "quantization is null");
    }

    /** Grouped heads, float32 weights. */
    public static ExportOptions defaults() {
        return new ExportOptions(HeadLayout.GROUPED, Quantization.NONE);
    }

    public ExportOptions withHeadLayout(HeadLayout layout) {
        return new ExportOptions(layout, quantization);
    }

    public ExportOptions withQuantization(Quantization value) {
        return new ExportOptions(headLayout, value);
    }
}
