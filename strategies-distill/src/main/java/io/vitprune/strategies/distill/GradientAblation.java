package io.vitprune.strategies.distill;

import static java.util.Objects.requireNonNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.ProgressListener;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.ScoringData;
import io.vitprune.api.UnitKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Estimates of the {@link AblationEngine}'s losses from gradients, for every unit of every block
 * in one forward and one backward pass per scoring batch (methods-notes.md, "Scoring estimates").
 * Each image gets its own mask of ones per block; masking unit {@code u} moves it by
 * {@code delta_u} (-1 on the unit's channels), and with {@code g_i} the gradient of image
 * {@code i}'s label cross-entropy with respect to its mask, {@code a_iu = delta_u . g_i} is the
 * first-order change of that cross-entropy.
 *
 * <ul>
 *   <li>{@link LossEstimate#TAYLOR}: {@code L_CE(u) = mean_i (CE_i + a_iu)}; {@code L_KL(u) = 0},
 *       since at the unmasked model the student is the teacher and the KL's gradient vanishes; the
 *       teacher cross-entropy is the teacher's entropy.</li>
 *   <li>{@link LossEstimate#FISHER}: adds the second-order term with the empirical Fisher
 *       {@code a_iu^2} in place of the Hessian, as in Kwon et al. 2022: {@code L_CE(u) += mean_i a_iu^2 / 2},
 *       {@code L_KL(u) = mean_i b_iu^2 / 2} and the teacher cross-entropy is the entropy plus it, where
 *       {@code b} is {@code a} for the cross-entropy at the KL's temperature (the same pass at T = 1;
 *       a second copy of the batch otherwise). The KL's Hessian is the Fisher of the teacher's
 *       distribution; sampling the class from the teacher instead of taking the label ranked no
 *       better on the reference model at twice the cost.</li>
 * </ul>
 * Masks of an attention head are its channels', so a head's {@code a} is the sum of theirs. The
 * losses are means over the images, as the exact ones are, and cost about three forward passes of
 * the model per image whatever the number of units.
 */
final class GradientAblation {
    private final double temperature;
    private final boolean secondOrder;

    GradientAblation(double temperature, LossEstimate estimate) {
        requireNonNull(estimate, "estimate is null");
        if (estimate == LossEstimate.EXACT) {
            throw new IllegalArgumentException("the exact losses are the AblationEngine's, not an estimate");
        }
        this.temperature = temperature;
        this.secondOrder = estimate == LossEstimate.FISHER;
    }

    AblationLosses estimate(PrunableModel model, UnitKind kind, ScoringData data, int batchSize, ProgressListener progress) {
        ModelStructure structure = model.structure();
        int images = data.size();
        Sums sums = new Sums(structure, kind);
        String task = "estimating " + kind.id() + " losses";
        for (int from = 0; from < images; from += batchSize) {
            int to = Math.min(images, from + batchSize);
            try (NDManager scope = model.newScope()) {
                NDList batch = data.batch(scope, from, to);
                if (batch.size() != 2 || batch.get(1).size() != to - from) {
                    throw new InvalidInputException("scoring batch at image " + from + ": expected {images, labels} with one label per image");
                }
                estimateBatch(model, kind, batch.get(0), batch.get(1), scope, sums);
            }
            progress.progress(task, to, images);
        }
        return sums.means(kind, images);
    }

    private void estimateBatch(PrunableModel model, UnitKind kind, NDArray pixels, NDArray labels, NDManager scope, Sums sums) {
        ModelStructure structure = model.structure();
        int size = (int) labels.size();
        // Copy 2 of the batch, where needed, carries the cross-entropy at the KL's temperature.
        int copies = secondOrder && temperature != 1 ? 2 : 1;
        List<NDArray> masks = new ArrayList<>();
        for (BlockStructure block : structure.blocks()) {
            NDArray mask = scope.ones(new Shape((long) copies * size, width(block, kind)));
            mask.setRequiresGradient(true);
            masks.add(mask);
        }
        NDArray logits;
        try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
            NDArray x = model.embed(copies == 1 ? pixels : pixels.tile(new long[] {copies, 1, 1, 1}));
            for (int b = 0; b < structure.depth(); b++) {
                boolean mlp = kind == UnitKind.MLP_UNIT;
                x = model.block(b, x, mlp ? null : masks.get(b), mlp ? masks.get(b) : null);
            }
            logits = model.classify(x);
            int classes = (int) logits.getShape().get(1);
            // float32 throughout the graph: DJL's type conversion does not carry gradients.
            NDArray oneHot = labels.oneHot(classes).tile(new long[] {copies, 1});
            NDArray scaled = copies == 1 ? logits : logits.div(scope.create(temperatures(size, classes), new Shape(2L * size, 1)));
            collector.backward(scaled.logSoftmax(-1).mul(oneHot).sum().neg());
        }
        Unmasked unmasked = Unmasked.of(logits.get("0:" + size), labels, temperature, scope);
        for (int b = 0; b < structure.depth(); b++) {
            BlockStructure block = structure.block(b);
            int width = width(block, kind);
            float[] gradients = masks.get(b).getGradient().toFloatArray();
            int[] heads = block.headOffsets();
            for (int u = 0; u < block.units(kind); u++) {
                int start = kind == UnitKind.ATTENTION_HEAD ? heads[u] : u;
                int end = kind == UnitKind.ATTENTION_HEAD ? heads[u + 1] : u + 1;
                for (int i = 0; i < size; i++) {
                    double a = -sum(gradients, i * width + start, i * width + end);
                    double ceChange = a;
                    double kl = 0;
                    if (secondOrder) {
                        double atTemperature = copies == 1 ? a : -sum(gradients, (size + i) * width + start, (size + i) * width + end);
                        ceChange += a * a / 2;
                        kl = atTemperature * atTemperature / 2;
                    }
                    sums.crossEntropy.get(b)[u] += unmasked.crossEntropy[i] + ceChange;
                    sums.kl.get(b)[u] += kl;
                    sums.teacherCrossEntropy.get(b)[u] += unmasked.entropy[i] + kl;
                }
            }
        }
    }

    /** One divisor per row of two copies: 1 for the first, the temperature for the second. */
    private float[] temperatures(int size, int classes) {
        float[] values = new float[2 * size];
        Arrays.fill(values, 0, size, 1f);
        Arrays.fill(values, size, 2 * size, (float) temperature);
        return values;
    }

    /** Per image: the unmasked model's label cross-entropy and its entropy at the temperature, in float64. */
    private record Unmasked(double[] crossEntropy, double[] entropy) {
        static Unmasked of(NDArray logits, NDArray labels, double temperature, NDManager scope) {
            NDArray values = scope.create(logits.toFloatArray(), logits.getShape()).toType(DataType.FLOAT64, false);
            int classes = (int) values.getShape().get(1);
            double[] crossEntropy = values.logSoftmax(-1).mul(labels.oneHot(classes, DataType.FLOAT64)).sum(new int[] {1}).neg().toDoubleArray();
            NDArray log = values.div(temperature).logSoftmax(-1);
            return new Unmasked(crossEntropy, log.exp().mul(log).sum(new int[] {1}).neg().toDoubleArray());
        }
    }

    /** Running sums per block and unit. */
    private static final class Sums {
        final List<double[]> crossEntropy;
        final List<double[]> kl;
        final List<double[]> teacherCrossEntropy;

        Sums(ModelStructure structure, UnitKind kind) {
            crossEntropy = zeros(structure, kind);
            kl = zeros(structure, kind);
            teacherCrossEntropy = zeros(structure, kind);
        }

        AblationLosses means(UnitKind kind, int images) {
            return new AblationLosses(kind, images, divide(crossEntropy, images), divide(kl, images), divide(teacherCrossEntropy, images));
        }

        private static List<double[]> zeros(ModelStructure structure, UnitKind kind) {
            return structure.blocks().stream().map(block -> new double[block.units(kind)]).toList();
        }

        private static List<double[]> divide(List<double[]> sums, int count) {
            return sums.stream().map(block -> Arrays.stream(block).map(sum -> sum / count).toArray()).toList();
        }
    }

    private static int width(BlockStructure block, UnitKind kind) {
        return kind == UnitKind.MLP_UNIT ? block.mlpWidth() : block.attentionWidth();
    }

    private static double sum(float[] values, int from, int to) {
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        return sum;
    }
}
