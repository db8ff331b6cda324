package io.vitprune.experiments.report;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.UnitKind;
import io.vitprune.experiments.report.JmhResults.Result;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VitConfig;
import io.vitprune.strategies.distill.AblationEngine;
import java.util.Locale;
import java.util.TreeMap;

/**
 * The scoring-cost section of the benchmark report: {@code ScoringBenchmark}'s seconds per
 * (unit kind, images) on the reference-size ViT, units x images per second, and the two linearity
 * checks the ablation engine's cost model predicts: doubling the images, or the units, doubles the time.
 */
public record ScoringReport(TreeMap<String, TreeMap<Integer, ScoringReport.Shot>> byKind) {
    static final String SCORING = "ScoringBenchmark.scoreUnits";
    /** The goal for every attention channel of the reference model on 1,000 images. */
    static final double GOAL_SECONDS = 60;
    static final int GOAL_IMAGES = 1000;

    /** One scoring of every unit of a kind on a number of images. */
    record Shot(int units, int images, double seconds) {
        double unitImagesPerSecond() {
            return (double) units * images / seconds;
        }
    }

    /** The section's results by kind and images (both ascending), or null when the file holds none. */
    static ScoringReport of(JmhResults results) {
        TreeMap<String, TreeMap<Integer, Shot>> byKind = new TreeMap<>();
        for (Result r : results.named(SCORING)) {
            String where = "JMH results " + results.file() + ": " + r.describe();
            String kind = r.param("kind");
            String images = r.param("images");
            if (kind == null || images == null) {
                throw new InvalidInputException(where + " has no 'kind' and 'images' parameters: expected results of vitprune's ScoringBenchmark");
            }
            Shot shot = new Shot(units(kind, where), positive(images, where), r.milliseconds() / 1e3);
            if (byKind.computeIfAbsent(kind, k -> new TreeMap<>()).put(shot.images(), shot) != null) {
                throw new InvalidInputException("JMH results " + results.file() + " hold " + r.describe() + " twice: expected one result per configuration");
            }
        }
        return byKind.isEmpty() ? null : new ScoringReport(byKind);
    }

    /**
     * Units of a kind in the reference-size ViT, the model {@code ScoringBenchmark} scores. Derived
     * here, not recorded by the benchmark: in SingleShotTime mode JMH 1.37 reports {@code @AuxCounters}
     * fields as times (s/op), not counts, and the kind plus the fixed model determine the count
     * exactly (the structure the scorer walks). A benchmark on another model would need a model
     * parameter, read here.
     */
    private static int units(String kind, String where) {
        try {
            return VitConfig.reference().initialStructure().totalUnits(UnitKind.fromId(kind));
        } catch (InvalidInputException e) {
            throw new InvalidInputException(where + ": " + e.getMessage(), e);
        }
    }

    private static int positive(String images, String where) {
        if (!images.matches("[1-9][0-9]{0,8}")) {
            throw new InvalidInputException(where + " has images '" + images + "': expected a positive integer");
        }
        return Integer.parseInt(images);
    }

    String markdown() {
        StringBuilder md = new StringBuilder("\n## Scoring cost: kd-importance on the reference-size ViT\n\n")
                .append("""
                        One scoring of every unit of a kind (each unit ablated alone, `AblationEngine`: batched, reusing the blocks \
                        before the unit's) on random labelled images, 50 at a time; random weights (the cost does not depend on them); \
                        one single shot per configuration.

                        | unit kind | units | images | seconds | units x images / s |
                        |---|---:|---:|---:|---:|
                        """);
        byKind.forEach((kind, byImages) -> byImages.values().forEach(shot -> md.append(String.format(Locale.ROOT, "| %s | %,d | %,d | %.1f | %.0f |%n",
                kind, shot.units(), shot.images(), shot.seconds(), shot.unitImagesPerSecond()))));
        return md.append(linearity()).append(extrapolation()).toString();
    }

    /** Time ratios against the work ratios the cost model predicts: more images per kind, more units per image count. */
    private String linearity() {
        StringBuilder md = new StringBuilder("\nLinearity: the cost model predicts time ratio = work ratio.\n\n"
                + "| comparison | work ratio (expected) | time ratio |\n|---|---:|---:|\n");
        byKind.forEach((kind, byImages) -> {
            Shot fewest = byImages.firstEntry().getValue();
            byImages.values().stream().skip(1).forEach(more -> md.append(comparison(kind + ": " + more.images() + " vs " + fewest.images() + " images",
                    (double) more.images() / fewest.images(), more, fewest)));
        });
        String baseKind = byKind.firstKey();
        byKind.tailMap(baseKind, false).forEach((kind, byImages) -> byKind.get(baseKind).forEach((images, base) -> {
            Shot other = byImages.get(images);
            if (other != null) {
                md.append(comparison(images + " images: " + kind + " vs " + baseKind, (double) other.units() / base.units(), other, base));
            }
        }));
        return md.toString();
    }

    private static String comparison(String label, double workRatio, Shot larger, Shot smaller) {
        return String.format(Locale.ROOT, "| %s | %.2f | %.2f |%n", label, workRatio, larger.seconds() / smaller.seconds());
    }

    /**
     * Every attention channel on the goal's 1,000 images, from the largest image count measured, and
     * the arithmetic rate that scoring sustains and the goal would need; empty without channel results.
     */
    private String extrapolation() {
        TreeMap<Integer, Shot> channels = byKind.get(UnitKind.ATTENTION_CHANNEL.id());
        if (channels == null) {
            return "";
        }
        Shot largest = channels.lastEntry().getValue();
        double seconds = largest.seconds() * GOAL_IMAGES / largest.images();
        double flop = GOAL_IMAGES * blockForwardsPerImage(UnitKind.ATTENTION_CHANNEL) * flopPerBlockForward();
        return String.format(Locale.ROOT, """

                Every attention channel on %,d images, extrapolated linearly from %d: %.0f s (%.1f min), against the issue's goal of \
                %.0f s. The work is fixed by the criterion (`AblationEngine`'s cost model): every channel costs a forward pass of the \
                blocks from its own on, for every image, %,d one-image block forwards per image of about %.1f MFLOP each, so about \
                %.0f TFLOP for %,d images. This run sustains %.0f GFLOP/s; the goal would need %.2f TFLOP/s from the same 2 cores, \
                %.0f times this rate, so it is out of reach for the exact criterion on this machine.
                """, GOAL_IMAGES, largest.images(), seconds, seconds / 60, GOAL_SECONDS, blockForwardsPerImage(UnitKind.ATTENTION_CHANNEL),
                flopPerBlockForward() / 1e6, flop / 1e12, GOAL_IMAGES, flop / seconds / 1e9, flop / GOAL_SECONDS / 1e12, seconds / GOAL_SECONDS);
    }

    /** One unmasked pass plus, per unit of block l, the blocks l .. depth-1: {@code D + sum_l n_l (D - l)}. */
    private static long blockForwardsPerImage(UnitKind kind) {
        return AblationEngine.blockForwardsPerImage(VitConfig.reference().initialStructure(), kind);
    }

    /** Two FLOP per multiply-accumulate of one block of the reference model (its MACs without embedding and head, spread over its blocks: within 1%). */
    private static double flopPerBlockForward() {
        VitConfig config = VitConfig.reference();
        ModelStructure structure = config.initialStructure();
        return 2.0 * ModelStats.of(config, structure).macsPerImage() / structure.depth();
    }
}
