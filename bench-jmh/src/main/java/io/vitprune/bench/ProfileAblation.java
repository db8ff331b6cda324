package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.ScoringData;
import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.strategies.distill.AblationEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Where the time of the exact ablation goes ({@link ScoringBenchmark}'s workload): one
 * {@link AblationEngine} measurement of every unit of a kind of the reference-size ViT (random
 * weights, random labelled images) under libtorch's profiler, summarised per operator as
 * {@link ProfileForward} does, with the matrix products' share of the time and their rate against
 * the cost model's arithmetic ({@link AblationEngine#blockForwardsPerImage}).
 *
 * <pre>
 * java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.ProfileAblation OUT_DIR [kind [images]]
 * java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.ProfileAblation target/profile-ablation attention-channel 10
 * </pre>
 * Writes {@code OUT_DIR/profile.md} and {@code OUT_DIR/trace.json}; shares mean something on any
 * machine, rates only on an idle one. Profiled, 50 images outgrew a 24 GB machine on the
 * reference model; 10 (the default) fit.
 */
public final class ProfileAblation {
    private static final int WARMUP_IMAGES = 5;

    private ProfileAblation() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 3) {
            System.err.println("usage: ProfileAblation OUT_DIR [attention-channel|attention-head|mlp-unit [images]]");
            System.exit(2);
        }
        EngineDefaults.apply();
        Path out = Path.of(args[0]);
        UnitKind kind = UnitKind.fromId(args.length > 1 ? args[1] : "attention-channel");
        int images = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        Files.createDirectories(out);
        Path trace = out.resolve("trace.json").toAbsolutePath();
        VitConfig config = VitConfig.reference();
        double wallMillis;
        double macs;
        try (NDManager manager = NDManager.newBaseManager(); VisionTransformer model = VisionTransformer.initialize(config, 7, manager)) {
            NDArray pixels = manager.randomNormal(new Shape(images, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
            NDArray labels = manager.randomInteger(0, config.classes(), new Shape(images), DataType.INT64);
            AblationEngine engine = AblationEngine.defaults();
            engine.measure(model, kind, ScoringData.of(pixels.get(":" + WARMUP_IMAGES), labels.get(":" + WARMUP_IMAGES)), images,
                    ProgressListener.NONE);
            JniUtils.startProfile(false, true, false);
            long start = System.nanoTime();
            engine.measure(model, kind, ScoringData.of(pixels, labels), images, ProgressListener.NONE);
            wallMillis = (System.nanoTime() - start) / 1e6;
            JniUtils.stopProfile(trace.toString());
            macs = (double) images * AblationEngine.blockForwardsPerImage(model.structure(), kind) * ModelStats.of(model).macsPerImage()
                    / config.depth();
        }
        String report = ProfileForward.summarize(new ObjectMapper().readTree(trace.toFile()),
                String.format(Locale.ROOT, "Exact ablation profile: every %s of the reference-size ViT on %d images", kind.id(), images),
                String.format(Locale.ROOT, "one ablation (one scoring batch of %d images) after a warm-up ablation on %d images; MACs from the "
                        + "cost model (block forwards x the model's MACs per block, embedding and head spread over the blocks)", images, WARMUP_IMAGES),
                1, "ablation", wallMillis, macs);
        AtomicFiles.writeString(out.resolve("profile.md"), report);
        System.out.print(report);
        System.out.println("wrote " + out.resolve("profile.md") + " and " + trace);
    }
}
