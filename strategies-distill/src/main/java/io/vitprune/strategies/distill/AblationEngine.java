package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.ScoringCheckpoints;
import io.vitprune.api.ScoringData;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.io.ModelStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Measures, for every unit of a kind, the losses of the model with that unit alone masked to 0
 * (methods.md 4.2): {@code L_CE(u)}, the mean cross-entropy of the labels under the student's
 * probabilities, and {@code L_KL(u)}, the mean {@code KL(q_T || p_T)} from the teacher (the
 * unmasked model on the same images) to the student, both distributions softened by the
 * temperature {@code T}; and the mean cross-entropy {@code -sum q_T log p_T} against the teacher's
 * probabilities (a scorer's {@link CeTarget#TEACHER}), at the same {@code T}, so that it is
 * {@code H(q_T) + L_KL} for every {@code T}. The cross-entropy against the labels always uses
 * {@code T = 1}; the KL carries no {@code T^2} factor (a scorer's weight on it rescales it as needed).
 * Shared by {@code kd-importance}, {@code kl-importance} and {@code regression-stability}, which
 * differ only in how they combine the losses. With an {@code estimate} other than {@link LossEstimate#EXACT},
 * the losses are {@link GradientAblation}'s estimates from mask gradients instead.
 *
 * <p>How: for each scoring batch of {@code B} images, the embedding, the input of every block and
 * the teacher's logits are computed once, unmasked. Units of block {@code l} are then ablated
 * {@code k} at a time ({@code units-per-pass}): the cached input of block {@code l} is repeated
 * {@code k} times along the batch axis, a {@code (k B, width)} mask zeroes a different unit in each
 * copy, blocks {@code l .. depth-1} and the classifier run once on the {@code k B} rows, and each
 * copy's per-image losses are summed in Java doubles.
 *
 * <p>Cost model: with {@code N} images, depth {@code D} and {@code n_l} units in block {@code l},
 * scoring runs {@code N (D + sum_l n_l (D - l))} one-image block forwards (plus one small classifier
 * per unit and image), against {@code N D (1 + sum_l n_l)} for a loop that runs the whole model
 * once per unit: reusing the blocks before the ablated one saves about 40%, and stacking adds
 * throughput (large products, few calls through DJL per unit), not fewer operations. Every unit
 * still costs {@code N} forward passes of the blocks after it, so time grows as units x images;
 * there is no exact shortcut through the {@link PrunableModel} stages, since masking one unit
 * changes every token entering the next block. For the dim-192 reference ViT (depth 6, 6 x 32
 * heads, MLP 384, 65 tokens; about 41.6 MFLOP per one-image block forward), the attention
 * channels take {@code 6 + 192 * 21 = 4,038} block forwards per image, about 168 TFLOP for 1,000
 * images (the time and rate measured on 2 cores: docs/scoring-benchmark.md); its 36 heads take
 * {@code 6 + 6 * 21 = 132}, 31 times fewer.
 *
 * <p>Memory: one batch's block inputs ({@code D B} token arrays) and one block's temporaries for
 * {@code k B} rows at a time: each block runs in its own scope, freed as soon as its output exists.
 */
public record AblationEngine(double temperature, int unitsPerPass, LossEstimate estimate) {
    public static final SettingSpec TEMPERATURE = SettingSpec.number("temperature", 1.0, "softmax temperature of the KL (and teacher cross-entropy) term");
    public static final SettingSpec UNITS_PER_PASS = SettingSpec.integer("units-per-pass", null,
            "ablations stacked in one batched pass (default: as many as fit about " + AblationEngine.ROWS_PER_PASS + " rows of activations)");
    /** The settings {@link #fromSettings} reads. */
    public static final List<SettingSpec> SETTINGS = List.of(LossEstimate.SETTING, TEMPERATURE, UNITS_PER_PASS);
    /** The unit kinds that can be ablated. */
    public static final Set<UnitKind> KINDS = Set.copyOf(EnumSet.of(UnitKind.ATTENTION_CHANNEL, UnitKind.ATTENTION_HEAD, UnitKind.MLP_UNIT));
    /** {@code unitsPerPass} meaning: as many as keep one pass within {@link #ROWS_PER_PASS} rows. */
    public static final int AUTO = 0;
    /**
     * Rows (copies x images) of one automatic pass, chosen by measurement on the dim-192 reference
     * ViT: passes of 256 to 512 rows ran fastest; smaller ones pay more per call through DJL, larger
     * ones fall out of the caches. One block's temporaries for 256 rows of that model take a few
     * hundred megabytes.
     */
    public static final int ROWS_PER_PASS = 256;

    public AblationEngine {
        requireNonNull(estimate, "estimate is null");
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new InvalidInputException("setting '" + TEMPERATURE.name() + "' = " + temperature + ": expected a finite number > 0");
        }
        if (unitsPerPass < 0) {
            throw new InvalidInputException("setting '" + UNITS_PER_PASS.name() + "' = " + unitsPerPass + ": expected an integer >= 1");
        }
    }

    /** One-image block forwards per scoring image of the exact ablation of every unit of {@code kind} (the cost model above). */
    public static long blockForwardsPerImage(ModelStructure structure, UnitKind kind) {
        long forwards = structure.depth();
        for (int b = 0; b < structure.depth(); b++) {
            forwards += (long) structure.block(b).units(kind) * (structure.depth() - b);
        }
        return forwards;
    }

    /** Exact losses with {@code temperature} and {@code unitsPerPass}. */
    public AblationEngine(double temperature, int unitsPerPass) {
        this(temperature, unitsPerPass, LossEstimate.EXACT);
    }

    /** Exact losses, temperature 1 and automatic batching. */
    public static AblationEngine defaults() {
        return new AblationEngine(1.0, AUTO);
    }

    /** This engine with losses obtained as {@code other} says. */
    public AblationEngine withEstimate(LossEstimate other) {
        return new AblationEngine(temperature, unitsPerPass, other);
    }

    /**
     * {@code estimate} (default exact), {@code temperature} (default 1) and {@code units-per-pass}
     * (default automatic, exact losses only) from a scorer's settings.
     */
    public static AblationEngine fromSettings(StrategySettings settings) {
        String given = UNITS_PER_PASS.string(settings);
        int unitsPerPass = given == null ? AUTO : Integer.parseInt(given);
        if (given != null && unitsPerPass < 1) {
            throw new InvalidInputException("setting '" + UNITS_PER_PASS.name() + "' = " + unitsPerPass + ": expected an integer >= 1");
        }
        return new AblationEngine(TEMPERATURE.number(settings), unitsPerPass, LossEstimate.from(settings));
    }

    /**
     * {@code L_CE}, {@code L_KL} and the teacher cross-entropy of every unit of {@code kind}, over every image of {@code data}
     * taken {@code batchSize} at a time; {@code progress} counts units x batches done.
     */
    public AblationLosses measure(PrunableModel model, UnitKind kind, ScoringData data, int batchSize, ProgressListener progress) {
        return measure(model, kind, data, batchSize, progress, ScoringCheckpoints.NONE);
    }

    /**
     * Like {@link #measure(PrunableModel, UnitKind, ScoringData, int, ProgressListener)}, keeping
     * the loss sums after every scoring batch in {@code checkpoints} (as {@code ablation-<kind>.json})
     * and continuing from the sums a killed run of the same job kept there. A resumed measurement
     * adds the same numbers in the same order as an uninterrupted one, so it ends with the same losses.
     * A checkpoint of another format (an older vitprune's) or of another measurement is refused.
     * Estimated losses take seconds and keep no checkpoints.
     */
    public AblationLosses measure(PrunableModel model, UnitKind kind, ScoringData data, int batchSize, ProgressListener progress,
            ScoringCheckpoints checkpoints) {
        requireNonNull(kind, "kind is null");
        if (estimate != LossEstimate.EXACT) {
            return measure(model, kind, data, batchSize, progress, null, partial -> { });
        }
        String name = "ablation-" + kind.id() + ".json";
        Partial resume = checkpoints.read(name).map(bytes -> Partial.parse(name, bytes)).orElse(null);
        return measure(model, kind, data, batchSize, progress, resume, partial -> checkpoints.write(name, partial.toJson()));
    }

    /**
     * The loss sums over the first {@code images} scoring images, taken {@code batchSize} at a time. Not a result.
     * {@code format} is {@link #FORMAT}; files without it (format 0) hold no teacher cross-entropy sums.
     */
    record Partial(int format, UnitKind kind, int batchSize, int images, List<double[]> crossEntropySums, List<double[]> klSums,
            List<double[]> teacherCrossEntropySums) {
        static final int FORMAT = 2;

        Partial {
            requireNonNull(kind, "kind is null");
            crossEntropySums = copy(crossEntropySums);
            klSums = copy(klSums);
            teacherCrossEntropySums = copy(teacherCrossEntropySums);
        }

        static Partial of(UnitKind kind, int batchSize, int images, Sums sums) {
            return new Partial(FORMAT, kind, batchSize, images, sums.crossEntropy(), sums.kl(), sums.teacherCrossEntropy());
        }

        private static List<double[]> copy(List<double[]> sums) {
            return sums == null ? null : sums.stream().map(double[]::clone).toList();
        }

        byte[] toJson() {
            try {
                return ModelStore.json().writeValueAsBytes(this);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        static Partial parse(String name, byte[] json) {
            Partial partial;
            try {
                partial = ModelStore.json().readValue(json, Partial.class);
            } catch (IOException e) {
                throw new InvalidInputException("scoring checkpoint " + name + ": expected the JSON of a partial ablation (" + e.getMessage() + ")", e);
            }
            if (partial.format() != FORMAT || partial.crossEntropySums() == null || partial.klSums() == null
                    || partial.teacherCrossEntropySums() == null) {
                throw new InvalidInputException("scoring checkpoint " + name + " is a partial ablation of format " + partial.format()
                        + ": expected format " + FORMAT + " (with teacher cross-entropy sums); delete it to measure from the start");
            }
            return partial;
        }
    }

    /** Running loss sums per block and unit, added to in place. */
    private record Sums(List<double[]> crossEntropy, List<double[]> kl, List<double[]> teacherCrossEntropy) {
        static Sums zeros(ModelStructure structure, UnitKind kind) {
            return new Sums(zeroPerUnit(structure, kind), zeroPerUnit(structure, kind), zeroPerUnit(structure, kind));
        }

        static Sums of(Partial partial) {
            return new Sums(Partial.copy(partial.crossEntropySums()), Partial.copy(partial.klSums()), Partial.copy(partial.teacherCrossEntropySums()));
        }

        private static List<double[]> zeroPerUnit(ModelStructure structure, UnitKind kind) {
            return structure.blocks().stream().map(block -> new double[block.units(kind)]).toList();
        }

        boolean fits(Sums other) {
            return sameShape(crossEntropy, other.crossEntropy) && sameShape(kl, other.kl) && sameShape(teacherCrossEntropy, other.teacherCrossEntropy);
        }

        AblationLosses means(UnitKind kind, int images) {
            return new AblationLosses(kind, images, divide(crossEntropy, images), divide(kl, images), divide(teacherCrossEntropy, images));
        }

        private static boolean sameShape(List<double[]> a, List<double[]> b) {
            if (a.size() != b.size()) {
                return false;
            }
            for (int i = 0; i < a.size(); i++) {
                if (a.get(i).length != b.get(i).length) {
                    return false;
                }
            }
            return true;
        }

        private static List<double[]> divide(List<double[]> sums, int count) {
            return sums.stream().map(block -> Arrays.stream(block).map(sum -> sum / count).toArray()).toList();
        }
    }

    private AblationLosses measure(PrunableModel model, UnitKind kind, ScoringData data, int batchSize, ProgressListener progress,
            Partial resume, Consumer<Partial> afterBatch) {
        requireNonNull(model, "model is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(data, "data is null");
        requireNonNull(progress, "progress is null");
        if (!KINDS.contains(kind)) {
            throw new InvalidInputException("ablation of " + kind.id() + " units: expected one of "
                    + KINDS.stream().map(UnitKind::id).sorted().toList());
        }
        if (batchSize <= 0) {
            throw new InvalidInputException("scoring batch size " + batchSize + ": expected > 0");
        }
        int images = data.size();
        if (images <= 0) {
            throw new InvalidInputException("scoring data with " + images + " images: expected at least one labelled image");
        }
        if (estimate != LossEstimate.EXACT) {
            return new GradientAblation(temperature, estimate).estimate(model, kind, data, batchSize, progress);
        }
        ModelStructure structure = model.structure();
        // A batch never holds more images than the data: with fewer images than the batch size, stack more units.
        int perPass = unitsPerPass != AUTO ? unitsPerPass : Math.max(1, ROWS_PER_PASS / Math.min(batchSize, images));
        Sums sums = Sums.zeros(structure, kind);
        int start = 0;
        if (resume != null) {
            requireResumable(resume, kind, batchSize, images, sums);
            sums = Sums.of(resume);
            start = resume.images();
        }
        String task = "ablating " + kind.id() + " units";
        long total = (long) structure.totalUnits(kind) * ((images + batchSize - 1) / batchSize);
        long done = (long) structure.totalUnits(kind) * (start / batchSize);
        for (int from = start; from < images; from += batchSize) {
            try (NDManager scope = model.newScope()) {
                Batch batch = prepare(model, data.batch(scope, from, Math.min(images, from + batchSize)), from, scope);
                for (int b = 0; b < structure.depth(); b++) {
                    int units = structure.block(b).units(kind);
                    for (int first = 0; first < units; first += perPass) {
                        int count = Math.min(perPass, units - first);
                        try (NDManager pass = scope.newSubManager()) {
                            ablate(model, kind, b, first, count, batch, pass, sums);
                        }
                        done += count;
                        progress.progress(task, done, total);
                    }
                }
            }
            afterBatch.accept(Partial.of(kind, batchSize, Math.min(images, from + batchSize), sums));
        }
        return sums.means(kind, images);
    }

    /** A partial measurement fits this one: same kind and batching, whole batches done, one sum of each loss per unit. */
    private static void requireResumable(Partial resume, UnitKind kind, int batchSize, int images, Sums fresh) {
        boolean fits = resume.kind() == kind && resume.batchSize() == batchSize && resume.images() >= 0 && resume.images() <= images
                && (resume.images() % batchSize == 0 || resume.images() == images) && fresh.fits(Sums.of(resume));
        if (!fits) {
            throw new InvalidInputException("partial ablation of " + resume.kind().id() + " units after " + resume.images()
                    + " images in batches of " + resume.batchSize() + ": expected " + kind.id() + " units of this model in batches of "
                    + batchSize + ", at most " + images + " images");
        }
    }

    /**
     * What every ablation of one scoring batch shares: the input of every block, the labels as
     * one-hot rows and the teacher's log-probabilities and probabilities at temperature T (float64,
     * like the student's, so that the losses add no rounding of their own).
     */
    private record Batch(int size, List<NDArray> blockInputs, NDArray oneHot, NDArray teacherLog, NDArray teacherProbabilities) { }

    private Batch prepare(PrunableModel model, NDList imagesAndLabels, int offset, NDManager scope) {
        if (imagesAndLabels.size() != 2) {
            throw new InvalidInputException("scoring batch of " + imagesAndLabels.size() + " arrays: expected {images, labels}");
        }
        NDArray images = imagesAndLabels.get(0);
        long[] labels = imagesAndLabels.get(1).toLongArray();
        int size = (int) images.getShape().get(0);
        if (labels.length != size) {
            throw new InvalidInputException("scoring batch at image " + offset + " has " + size + " images and " + labels.length
                    + " labels: expected one label per image");
        }
        List<NDArray> inputs = new ArrayList<>();
        NDArray x = model.embed(images);
        for (int b = 0; b < model.structure().depth(); b++) {
            inputs.add(x);
            x = step(model, b, x, true, null, null, scope);
        }
        NDArray logits = model.classify(x).toType(DataType.FLOAT64, false);
        int classes = (int) logits.getShape().getLastDimension();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                throw new InvalidInputException("label " + labels[i] + " of scoring image " + (offset + i) + ": expected a class in [0, "
                        + classes + ")");
            }
        }
        NDArray teacherLog = logits.div(temperature).logSoftmax(-1);
        return new Batch(size, inputs, imagesAndLabels.get(1).oneHot(classes, DataType.FLOAT64), teacherLog, teacherLog.exp());
    }

    /** Ablates units {@code [first, first + count)} of {@code block}, one per copy of the batch, adding each copy's loss sums. */
    private void ablate(PrunableModel model, UnitKind kind, int block, int first, int count, Batch batch, NDManager pass, Sums sums) {
        BlockStructure structure = model.structure().block(block);
        int width = kind == UnitKind.MLP_UNIT ? structure.mlpWidth() : structure.attentionWidth();
        // Copy c of the batch is rows [c B, (c + 1) B): tile repeats the whole batch, repeat each mask row.
        NDArray x = batch.blockInputs().get(block).tile(new long[] {count, 1, 1});
        x.attach(pass);
        NDArray mask = pass.create(masks(structure, kind, first, count, width), new Shape(count, width)).repeat(0, batch.size());
        for (int b = block; b < model.structure().depth(); b++) {
            boolean masked = b == block;
            x = step(model, b, x, false, masked && kind != UnitKind.MLP_UNIT ? mask : null, masked && kind == UnitKind.MLP_UNIT ? mask : null, pass);
        }
        NDArray logits = model.classify(x).toType(DataType.FLOAT64, false).reshape(count, batch.size(), -1);
        NDArray log = logits.logSoftmax(-1);
        NDArray softened = temperature == 1 ? log : logits.div(temperature).logSoftmax(-1);
        // First operands are the pass's arrays, so that the (count, B, classes) results are freed with it.
        double[] ce = log.mul(batch.oneHot()).sum(new int[] {2}).neg().toDoubleArray();
        double[] divergence = softened.sub(batch.teacherLog()).mul(batch.teacherProbabilities()).sum(new int[] {2}).neg().toDoubleArray();
        // Computed on its own, not as H + KL, so that tests can check the identity.
        double[] teacherCe = softened.mul(batch.teacherProbabilities()).sum(new int[] {2}).neg().toDoubleArray();
        double[] crossEntropy = sums.crossEntropy().get(block);
        double[] kl = sums.kl().get(block);
        double[] teacherCrossEntropy = sums.teacherCrossEntropy().get(block);
        for (int c = 0; c < count; c++) {
            for (int i = 0; i < batch.size(); i++) {
                crossEntropy[first + c] += ce[c * batch.size() + i];
                kl[first + c] += divergence[c * batch.size() + i];
                teacherCrossEntropy[first + c] += teacherCe[c * batch.size() + i];
            }
        }
    }

    /**
     * Block {@code index} on {@code x}, its temporaries freed at once; the output belongs to
     * {@code owner}, and so does {@code x} again if {@code keepInput}, else it is freed too.
     */
    private static NDArray step(PrunableModel model, int index, NDArray x, boolean keepInput, NDArray attentionMask, NDArray mlpMask,
            NDManager owner) {
        try (NDManager work = owner.newSubManager()) {
            // DJL puts a result in the manager of its first operand: here x's, so every temporary lands in work.
            if (keepInput) {
                x.tempAttach(work);
            } else {
                x.attach(work);
            }
            NDArray y = model.block(index, x, attentionMask, mlpMask);
            y.attach(owner);
            return y;
        }
    }

    /** One row of width 1s per copy, with copy c's unit (one channel, a head's channels, one MLP unit) set to 0. */
    private static float[] masks(BlockStructure block, UnitKind kind, int first, int count, int width) {
        float[] values = new float[count * width];
        Arrays.fill(values, 1f);
        int[] heads = block.headOffsets();
        for (int c = 0; c < count; c++) {
            int unit = first + c;
            int start = kind == UnitKind.ATTENTION_HEAD ? heads[unit] : unit;
            int end = kind == UnitKind.ATTENTION_HEAD ? heads[unit + 1] : unit + 1;
            Arrays.fill(values, c * width + start, c * width + end, 0f);
        }
        return values;
    }
}
