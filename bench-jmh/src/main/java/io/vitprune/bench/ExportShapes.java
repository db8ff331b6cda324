package io.vitprune.bench;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.VisionTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.annotations.Param;

/**
 * Writes the config and block widths of every model {@link ForwardBenchmark} measures (the same
 * loading, scorer, selector and surgery, so the shapes are identical) as one JSON file per
 * configuration, for the PyTorch peer ({@code bench-jmh/peer/forward_peer.py}) to rebuild the same
 * shapes in eager PyTorch. Weights are not written: latency does not depend on them.
 *
 * <p>{@code java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.ExportShapes OUT_DIR [model,...]},
 * run from the repository root (for {@code reference}); the sweep is read from the benchmark's own
 * {@code @Param} defaults, so the two cannot drift apart.
 */
public final class ExportShapes {
    private ExportShapes() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ExportShapes OUT_DIR [model,model,...]   (default models: " + List.of(defaults("model")) + ")");
            System.exit(2);
        }
        EngineDefaults.apply();
        Path out = Path.of(args[0]);
        String[] models = args.length == 2 ? args[1].split(",") : defaults("model");
        ObjectMapper json = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        Files.createDirectories(out);
        int written = 0;
        for (String model : models) {
            List<Map<String, String>> configurations = new ArrayList<>();
            configurations.add(new LinkedHashMap<>(Map.of("model", model)));
            for (String strategy : defaults("strategy")) {
                for (String selector : defaults("selector")) {
                    for (String heads : defaults("heads")) {
                        for (String ratio : defaults("ratio")) {
                            Map<String, String> params = new LinkedHashMap<>();
                            params.put("model", model);
                            params.put("strategy", strategy);
                            params.put("selector", selector);
                            params.put("heads", heads);
                            params.put("ratio", ratio);
                            configurations.add(params);
                        }
                    }
                }
            }
            for (Map<String, String> params : configurations) {
                try (NDManager manager = NDManager.newBaseManager()) {
                    VisionTransformer vit = BenchModels.load(model, manager);
                    if (params.containsKey("strategy")) {
                        vit = BenchModels.prune(vit, params.get("strategy"), params.get("selector"), Double.parseDouble(params.get("ratio")),
                                params.get("heads"), manager);
                    }
                    Map<String, Object> file = new LinkedHashMap<>();
                    file.put("params", params);
                    file.put("config", vit.config());
                    file.put("structure", vit.structure());
                    file.put("macsPerImage", ModelStats.of(vit).macsPerImage());
                    file.put("parameters", ModelStats.of(vit).parameters());
                    String name = String.join("_", params.values()).replaceAll("[^A-Za-z0-9._-]", "-") + ".json";
                    AtomicFiles.write(out.resolve(name), json.writeValueAsBytes(file));
                    vit.close();
                    written++;
                }
            }
        }
        System.out.println("wrote " + written + " shape files to " + out);
    }

    /** The default values of a parameter of {@link ForwardBenchmark.Pruned}. */
    private static String[] defaults(String field) throws NoSuchFieldException {
        return ForwardBenchmark.Pruned.class.getDeclaredField(field).getAnnotation(Param.class).value();
    }
}
