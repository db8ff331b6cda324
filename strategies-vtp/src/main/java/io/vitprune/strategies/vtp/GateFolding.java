package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import io.vitprune.api.ModelPart;
import io.vitprune.core.model.VisionTransformer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds VTP gates into the adjacent weights (methods.md section 4.4), so that the gates can be
 * dropped. Both folds are exact because the gate multiplies the output of a Linear without bias:
 * <ul>
 *   <li>attention channel j: the gate scales q_j, k_j and v_j, which are rows j, inner + j and
 *       2 inner + j of the qkv weight. Scaling the three rows by g reproduces the gated q and k
 *       (so q.k carries g^2, as in the gated model) and v.
 *   <li>MLP unit j: the gate scales hidden unit j after GELU, which only the second Linear reads,
 *       through column j of its weight; scaling that column by g is the same product.
 * </ul>
 * Surgery can then remove the units whose gates are (to be) 0.
 */
public final class GateFolding {
    private GateFolding() {
    }

    /**
     * A new network (in a sub-manager of {@code manager}) without gates that computes what
     * {@code network} computes with these gates as masks; {@code network} is left untouched.
     */
    public static VisionTransformer fold(VisionTransformer network, List<float[]> attentionGates, List<float[]> mlpGates, NDManager manager) {
        requireNonNull(network, "network is null");
        requireNonNull(manager, "manager is null");
        Gates.requireMatches(network.structure(), attentionGates, mlpGates);
        // Every array computed here lands in the scope; fromParameters moves the new weights into the new model.
        try (NDManager scope = network.newScope()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            for (int b = 0; b < network.structure().depth(); b++) {
                String prefix = String.format("block%02d.", b);
                float[] channels = attentionGates.get(b);
                float[] qkvRows = new float[3 * channels.length];
                for (int part = 0; part < 3; part++) {
                    System.arraycopy(channels, 0, qkvRows, part * channels.length, channels.length);
                }
                // QKV_WEIGHT is (3 inner, dim): one gate per row. MLP_OUT_WEIGHT is (dim, mlp): one gate per column.
                arrays.put(prefix + "qkv_weight", network.weight(b, ModelPart.QKV_WEIGHT).mul(scope.create(qkvRows).reshape(-1, 1)));
                // A gate multiplies the channel's q, k and v outputs, bias included.
                Parameter qkvBias = network.namedParameters().get(prefix + "qkv_bias");
                if (qkvBias != null) {
                    arrays.put(prefix + "qkv_bias", qkvBias.getArray().mul(scope.create(qkvRows)));
                }
                arrays.put(prefix + "mlp_out_weight", network.weight(b, ModelPart.MLP_OUT_WEIGHT).mul(scope.create(mlpGates.get(b)).reshape(1, -1)));
            }
            // Every other weight is copied, so the two networks never share an array.
            network.namedParameters().forEach((name, parameter) -> arrays.computeIfAbsent(name, n -> parameter.getArray().duplicate()));
            return VisionTransformer.fromParameters(network.config(), network.structure(), arrays, manager);
        }
    }
}
