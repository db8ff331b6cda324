package io.vitprune.core.train;

import ai.djl.ndarray.NDArray;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.PrunableModel;
import io.vitprune.core.model.Scalars;

/**
 * Fine-tuning loss after pruning: {@code CE(y, student) + beta * T^2 * KL(teacher_T || student_T)},
 * the unpruned model as a frozen teacher. The {@code T^2} factor (Hinton et al.) keeps the KL
 * gradient on the same scale as the cross-entropy's when the temperature changes.
 */
public final class Distillation implements Objective {
    private final TeacherLogits teacher;
    private final float beta;
    private final float temperature;
    private final Objective crossEntropy;

    public Distillation(PrunableModel teacher, double beta, double temperature, double labelSmoothing) {
        this(new TeacherLogits(teacher), beta, temperature, labelSmoothing);
    }

    /** With the teacher's logits shared with other fine-tunes of the same teacher (see {@link TeacherLogits}). */
    public Distillation(TeacherLogits teacher, double beta, double temperature, double labelSmoothing) {
        if (beta < 0 || !(temperature > 0)) {
            throw new InvalidInputException("distillation beta " + beta + " and temperature " + temperature + ": expected beta >= 0 and temperature > 0");
        }
        this.teacher = teacher;
        this.beta = (float) beta;
        this.temperature = (float) temperature;
        this.crossEntropy = Objective.crossEntropy(labelSmoothing);
    }

    @Override
    public NDArray loss(NDArray logits, NDArray labels, NDArray images) {
        NDArray teacherLogits = teacher.of(images);
        NDArray teacherLog = teacherLogits.div(Scalars.of(teacherLogits, temperature)).logSoftmax(-1);
        NDArray studentLog = logits.div(Scalars.of(logits, temperature)).logSoftmax(-1);
        NDArray kl = teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(new int[] {-1}).mean();
        return crossEntropy.loss(logits, labels, images).add(kl.mul(Scalars.of(kl, beta * temperature * temperature)));
    }
}
