package io.vitprune.strategies.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.ScoringData;
import io.vitprune.api.UnitKind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The definition, slowly: mask one unit, run the whole model on every image through its stages,
 * and compute the losses in Java doubles. Shares no code with the engine.
 */
final class ReferenceAblation {
    private ReferenceAblation() {
    }

    static AblationLosses measure(PrunableModel model, UnitKind kind, ScoringData data, double temperature) {
        List<double[]> crossEntropy = new ArrayList<>();
        List<double[]> kl = new ArrayList<>();
        List<double[]> teacherCrossEntropy = new ArrayList<>();
        try (NDManager scope = model.newScope()) {
            NDList batch = data.batch(scope, 0, data.size());
            long[] labels = batch.get(1).toLongArray();
            double[][] teacher = rows(model.logits(batch.get(0)));
            for (int b = 0; b < model.structure().depth(); b++) {
                BlockStructure block = model.structure().block(b);
                double[] ce = new double[block.units(kind)];
                double[] divergence = new double[block.units(kind)];
                double[] teacherCe = new double[block.units(kind)];
                for (int u = 0; u < ce.length; u++) {
                    NDArray mask = scope.create(mask(block, kind, u));
                    NDArray x = model.embed(batch.get(0));
                    for (int i = 0; i < model.structure().depth(); i++) {
                        boolean masked = i == b;
                        x = model.block(i, x, masked && kind != UnitKind.MLP_UNIT ? mask : null, masked && kind == UnitKind.MLP_UNIT ? mask : null);
                    }
                    double[][] student = rows(model.classify(x));
                    for (int n = 0; n < labels.length; n++) {
                        ce[u] -= logSoftmax(student[n], 1)[(int) labels[n]] / labels.length;
                        double[] logQ = logSoftmax(teacher[n], temperature);
                        double[] logP = logSoftmax(student[n], temperature);
                        for (int c = 0; c < logQ.length; c++) {
                            divergence[u] += Math.exp(logQ[c]) * (logQ[c] - logP[c]) / labels.length;
                            teacherCe[u] -= Math.exp(logQ[c]) * logP[c] / labels.length;
                        }
                    }
                }
                crossEntropy.add(ce);
                kl.add(divergence);
                teacherCrossEntropy.add(teacherCe);
            }
        }
        return new AblationLosses(kind, data.size(), crossEntropy, kl, teacherCrossEntropy);
    }

    /** Mean entropy {@code H(q_T)} of the unmasked model's probabilities at {@code temperature}. */
    static double teacherEntropy(PrunableModel model, ScoringData data, double temperature) {
        try (NDManager scope = model.newScope()) {
            double sum = 0;
            for (double[] logits : rows(model.logits(data.batch(scope, 0, data.size()).get(0)))) {
                for (double logQ : logSoftmax(logits, temperature)) {
                    sum -= Math.exp(logQ) * logQ;
                }
            }
            return sum / data.size();
        }
    }

    /** Mean cross-entropy of the unmasked model. */
    static double unmaskedCrossEntropy(PrunableModel model, ScoringData data) {
        try (NDManager scope = model.newScope()) {
            NDList batch = data.batch(scope, 0, data.size());
            long[] labels = batch.get(1).toLongArray();
            double[][] logits = rows(model.logits(batch.get(0)));
            double sum = 0;
            for (int n = 0; n < labels.length; n++) {
                sum -= logSoftmax(logits[n], 1)[(int) labels[n]];
            }
            return sum / labels.length;
        }
    }

    private static float[] mask(BlockStructure block, UnitKind kind, int unit) {
        float[] mask = new float[kind == UnitKind.MLP_UNIT ? block.mlpWidth() : block.attentionWidth()];
        Arrays.fill(mask, 1f);
        if (kind == UnitKind.ATTENTION_HEAD) {
            Arrays.fill(mask, block.headOffsets()[unit], block.headOffsets()[unit + 1], 0f);
        } else {
            mask[unit] = 0f;
        }
        return mask;
    }

    private static double[][] rows(NDArray logits) {
        int classes = (int) logits.getShape().get(1);
        float[] flat = logits.toFloatArray();
        double[][] rows = new double[flat.length / classes][classes];
        for (int i = 0; i < flat.length; i++) {
            rows[i / classes][i % classes] = flat[i];
        }
        return rows;
    }

    private static double[] logSoftmax(double[] logits, double temperature) {
        double max = Arrays.stream(logits).max().orElseThrow() / temperature;
        double sum = 0;
        for (double logit : logits) {
            sum += Math.exp(logit / temperature - max);
        }
        double log = max + Math.log(sum);
        return Arrays.stream(logits).map(logit -> logit / temperature - log).toArray();
    }
}
