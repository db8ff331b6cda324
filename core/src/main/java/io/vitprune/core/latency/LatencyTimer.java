package io.vitprune.core.latency;

import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;

/** Times the parts of one model shape on one runtime, for {@link LatencyCalibration}; closes what it prepared. */
public interface LatencyTimer extends AutoCloseable {
    /** The median of repeated calls, in milliseconds, after warm-up calls (the calibration's). */
    @FunctionalInterface
    interface Timing {
        double medianMs(Runnable call);
    }

    /** The runtime's name as tables record it, e.g. {@code libtorch}. */
    String runtime();

    /** Intra-op threads the runtime runs with. */
    int threads();

    /** How a block with heads of several widths runs at {@code batch}, e.g. {@code GROUPED}. */
    String execution(int batch);

    /** One block of {@code block}'s widths (the model's other sizes) on {@code batch} images' tokens. */
    double blockMs(BlockStructure block, int batch, Timing timing);

    /** Patch embedding and classifier of {@code batch} images. */
    double fixedMs(int batch, Timing timing);

    /** A whole model of {@code structure} (this shape's sizes), a forward pass of {@code batch} images to their logits. */
    double modelMs(ModelStructure structure, int batch, Timing timing);

    @Override
    void close();
}
