package io.vitprune.core.surgery;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.core.model.VisionTransformer;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;

/**
 * Structural pruning (methods.md section 2): builds a new model whose weight matrices contain
 * only the units a plan keeps. The attention scale is the config's original {@code dimHead^-0.5},
 * so the pruned model computes what the original computes with the removed units masked to 0.
 */
public final class Surgery {
    private Surgery() {
    }

    /** A new, smaller model in a sub-manager of {@code manager}; {@code model} is left untouched. */
    public static VisionTransformer apply(VisionTransformer model, PruningPlan plan, NDManager manager) {
        Objects.requireNonNull(model, "model is null");
        Objects.requireNonNull(plan, "plan is null");
        Objects.requireNonNull(manager, "manager is null");
        plan.requireSource(model.structure());
        // Every array computed here lands in the scope; fromParameters moves the kept ones into the new model.
        try (NDManager scope = model.newScope()) {
            Map<String, Parameter> parameters = model.namedParameters();
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (int b = 0; b < plan.blocks().size(); b++) {
                String prefix = String.format("block%02d.", b);
                BlockStructure block = model.structure().block(b);
                int[] channels = channelOrder(plan.block(b), block);
                int inner = block.attentionWidth();
                int[] qkvRows = IntStream.range(0, 3).flatMap(part -> IntStream.of(channels).map(c -> part * inner + c)).toArray();
                NDArray channelIndex = index(scope, channels);
                NDArray unitIndex = index(scope, plan.block(b).keptMlpUnits());
                arrays.put(prefix + "qkv_weight", array(parameters, prefix + "qkv_weight").get(index(scope, qkvRows)));
                if (parameters.containsKey(prefix + "qkv_bias")) {
                    arrays.put(prefix + "qkv_bias", array(parameters, prefix + "qkv_bias").get(index(scope, qkvRows)));
                }
                arrays.put(prefix + "out_weight", array(parameters, prefix + "out_weight").get(new NDIndex(":, {}", channelIndex)));
                arrays.put(prefix + "mlp_in_weight", array(parameters, prefix + "mlp_in_weight").get(unitIndex));
                arrays.put(prefix + "mlp_in_bias", array(parameters, prefix + "mlp_in_bias").get(unitIndex));
                arrays.put(prefix + "mlp_out_weight", array(parameters, prefix + "mlp_out_weight").get(new NDIndex(":, {}", unitIndex)));
            }
            // Everything pruning does not narrow is copied, so the two models never share an array.
            parameters.forEach((name, parameter) -> arrays.computeIfAbsent(name, n -> parameter.getArray().duplicate()));
            return VisionTransformer.fromParameters(model.config(), plan.resultStructure(), arrays, manager);
        }
    }

    /**
     * The kept inner channels in their new order: heads that keep nothing vanish, the rest are
     * ordered by kept width, widest first and stable, exactly as {@link PruningPlan#resultStructure()}
     * lays out the new heads (equal widths adjacent, so they run as one batched product).
     */
    static int[] channelOrder(BlockPlan plan, BlockStructure block) {
        int[] keptPerHead = plan.keptPerHead(block);
        int[] offsets = block.headOffsets();
        int[] kept = plan.keptAttentionChannels();
        return IntStream.range(0, block.heads())
                .boxed()
                .filter(h -> keptPerHead[h] > 0)
                .sorted(Comparator.comparingInt(h -> -keptPerHead[h]))
                .flatMapToInt(h -> IntStream.of(kept).filter(c -> c >= offsets[h] && c < offsets[h + 1]))
                .toArray();
    }

    private static NDArray array(Map<String, Parameter> parameters, String name) {
        return parameters.get(name).getArray();
    }

    private static NDArray index(NDManager manager, int[] indices) {
        return manager.create(IntStream.of(indices).asLongStream().toArray());
    }
}
