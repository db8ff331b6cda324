package io.vitprune.thirdparty;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelTraining;
import io.vitprune.api.PrunableModel;
import io.vitprune.api.Regularizer;
import io.vitprune.api.Scorer;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.TrainingSpec;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A learned scorer as a third party writes it, against {@code api} alone: one mask per MLP unit,
 * starting at {@code initial}, trained by the host with {@code 0.01 * sum |m|}; the score is |m|.
 */
public record MaskL1Scorer(float initial, Optional<Path> workDirectory) implements Scorer {
    public static final String NAME = "mask-l1";

    public MaskL1Scorer {
        requireNonNull(workDirectory, "work directory is null");
    }

    @Override
    public UnitScores score(PrunableModel model, UnitKind kind, ScoringContext context) {
        if (kind != UnitKind.MLP_UNIT) {
            throw new InvalidInputException("scorer '" + NAME + "' scores MLP units only: not " + kind.id());
        }
        ModelTraining training = context.requireTraining(NAME);
        try (NDManager masks = context.manager().newSubManager()) {
            Masks regularizer = new Masks(model, initial, masks);
            training.train(model, new TrainingSpec(2, 1e-3, 5e-2, 16, context.seed(), workDirectory), regularizer,
                    (task, done, total) -> context.progress().progress(NAME + " " + task, done, total));
            return new UnitScores(kind, regularizer.masks.stream().map(mask -> abs(mask.getArray().toFloatArray())).toList());
        }
    }

    private static float[] abs(float[] values) {
        float[] result = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            result[i] = Math.abs(values[i]);
        }
        return result;
    }

    /** One trainable mask per block's MLP units. */
    private static final class Masks implements Regularizer {
        private final List<Parameter> masks = new ArrayList<>();

        Masks(PrunableModel model, float initial, NDManager manager) {
            for (int b = 0; b < model.structure().depth(); b++) {
                float[] values = new float[model.structure().block(b).mlpWidth()];
                Arrays.fill(values, initial);
                Parameter mask = Parameter.builder().setName("mask.mlp" + b).setType(Parameter.Type.OTHER).build();
                mask.setArray(manager.create(values));
                masks.add(mask);
            }
        }

        @Override
        public Map<String, Parameter> parameters() {
            Map<String, Parameter> byName = new LinkedHashMap<>();
            masks.forEach(mask -> byName.put(mask.getName(), mask));
            return byName;
        }

        @Override
        public NDArray mask(int block, UnitKind kind) {
            return kind == UnitKind.MLP_UNIT ? masks.get(block).getArray() : null;
        }

        @Override
        public NDArray penalty(NDManager step) {
            NDList all = new NDList();
            masks.forEach(mask -> all.add(mask.getArray()));
            return NDArrays.concat(all).abs().sum().mul(step.create(0.01f));
        }

        @Override
        public String recipe() {
            return NAME + " weight=0.01";
        }
    }
}
