package io.vitprune.interop;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.core.type.TypeReference;
import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Hands a vitprune model, pruned or not, back to PyTorch: a directory with {@value #WEIGHTS}
 * (vitprune's parameter names, float32) and {@value #MANIFEST} (config with its topology and
 * preprocessing written out, per-block widths, the weights' SHA-256), which the repository's
 * {@code python/vitprune_torch.py} (plain PyTorch) rebuilds into a module with the same logits.
 */
public final class TorchExport {
    public static final String WEIGHTS = "model.safetensors";
    public static final String MANIFEST = "vitprune.json";
    static final String FORMAT = "vitprune-pytorch";

    private TorchExport() {
    }

    /** Writes {@code model} to the directory {@code out}, which must be new, empty or an earlier export (replaced whole). */
    public static void write(VisionTransformer model, Path out) throws IOException {
        requireReplaceable(out);
        Path staged = AtomicFiles.stagingDirectory(out);
        try (NDManager scope = model.manager().newSubManager()) {
            NDList named = new NDList();
            model.namedParameters().forEach((name, parameter) -> {
                NDArray copy = parameter.getArray().duplicate();
                copy.attach(scope);
                copy.setName(name);
                named.add(copy);
            });
            Files.write(staged.resolve(WEIGHTS), named.encode(NDList.Encoding.SAFETENSORS));
            Files.write(staged.resolve(MANIFEST), ModelStore.json().writeValueAsBytes(manifest(model)));
            AtomicFiles.replaceDirectory(staged, out);
        } finally {
            AtomicFiles.deleteRecursively(staged);
        }
    }

    private static Map<String, Object> manifest(VisionTransformer model) throws IOException {
        VitConfig config = model.config();
        // Topology and preprocessing present even where a vitprune model.json leaves the defaults out; within the topology a
        // false distillationToken is left out, as in model.json, and the Python side reads it as false.
        Map<String, Object> described = ModelStore.json().convertValue(config, new TypeReference<LinkedHashMap<String, Object>>() { });
        described.put("topology", config.topology());
        described.put("preprocessing", config.preprocessing());
        Map<String, Object> manifest = new LinkedHashMap<>();
        manifest.put("format", FORMAT);
        manifest.put("formatVersion", 1);
        manifest.put("config", described);
        manifest.put("structure", model.structure());
        manifest.put("parametersSha256", ModelStore.parametersSha256(model));
        return manifest;
    }

    private static void requireReplaceable(Path out) throws IOException {
        if (!Files.exists(out)) {
            return;
        }
        if (!Files.isDirectory(out)) {
            throw new InvalidInputException("--out " + out + " exists and is not a directory: expected a new path or an earlier PyTorch export");
        }
        try (Stream<Path> entries = Files.list(out)) {
            List<String> names = entries.map(path -> path.getFileName().toString()).sorted().toList();
            if (!names.isEmpty() && !names.equals(List.of(WEIGHTS, MANIFEST))) {
                throw new InvalidInputException("--out " + out + " holds " + names + ": expected a new or empty directory or an earlier PyTorch "
                        + "export (" + WEIGHTS + " and " + MANIFEST + " only); nothing was written");
            }
        }
    }
}
