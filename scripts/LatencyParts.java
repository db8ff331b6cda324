import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.ModelStructure;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.latency.LibtorchTimer;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Does a model's latency add up from parts timed the way {@code calibrate} times them? On libtorch,
 * at one batch, times each model whole, its embedding and classifier, each of its block shapes as a
 * stack of as many blocks of that shape as the model has (each with its own weights), and for a
 * block whose heads share one width the same heads at full MLP width and the full attention at its
 * MLP width (what the table adds up). Every part runs in every round, the rounds in shuffled orders,
 * so that the machine's drift falls on all parts alike; each part keeps its median over the rounds.
 * Run by scripts/latency-parts.sh.
 */
public final class LatencyParts {
    private static final int ROUNDS = 31;
    private static final int CALLS_PER_ROUND = 8;

    public static void main(String[] args) throws Exception {
        EngineDefaults.apply();
        int batch = Integer.parseInt(args[0]);
        try (NDManager manager = NDManager.newBaseManager()) {
            List<VisionTransformer> models = new ArrayList<>();
            for (int i = 1; i < args.length; i++) {
                models.add(ModelStore.load(Path.of(args[i]), manager));
            }
            VitConfig config = models.get(0).config();
            int depth = config.depth();
            BlockStructure full = config.initialStructure().block(0);
            NDArray tokens = manager.create(LibtorchTimer.random((long) batch * config.tokens() * config.dim(), 1),
                    new Shape(batch, config.tokens(), config.dim()));
            NDArray images = manager.create(LibtorchTimer.random((long) batch * VitConfig.CHANNELS * config.imageSize() * config.imageSize(), 2),
                    new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));

            Map<String, Runnable> parts = new LinkedHashMap<>();
            VisionTransformer oneBlock = VisionTransformer.initialize(LibtorchTimer.withDepth(config, 1), 3, manager);
            parts.put("fixed", () -> {
                try (NDManager call = oneBlock.newScope()) {
                    images.tempAttach(call);
                    oneBlock.classify(oneBlock.embed(images));
                }
            });
            for (int m = 0; m < models.size(); m++) {
                VisionTransformer model = models.get(m);
                parts.put("model " + m, () -> {
                    try (NDManager call = model.newScope()) {
                        images.tempAttach(call);
                        model.logits(images).toFloatArray();
                    }
                });
                for (BlockStructure block : model.structure().blocks()) {
                    addStack(parts, block, config, tokens, manager);
                    if (block.headWidths().stream().distinct().count() == 1) {
                        addStack(parts, BlockStructure.uniform(block.heads(), block.headWidths().get(0), full.mlpWidth()), config, tokens, manager);
                        addStack(parts, new BlockStructure(full.headWidths(), block.mlpWidth()), config, tokens, manager);
                    }
                }
            }
            addStack(parts, full, config, tokens, manager);

            Map<String, Double> ms = medians(parts);
            System.out.printf("batch %d, libtorch threads %d, %d rounds of %d calls per part, medians in ms%n", batch, EngineDefaults.threads(),
                    ROUNDS, CALLS_PER_ROUND);
            double fullMs = ms.get(key(full)) / depth;
            for (int m = 0; m < models.size(); m++) {
                double blocks = 0;
                double additive = 0;
                boolean allUniform = true;
                System.out.printf("%n%s%n", args[m + 1]);
                for (BlockStructure block : models.get(m).structure().blocks()) {
                    double stack = ms.get(key(block)) / depth;
                    blocks += stack;
                    if (block.headWidths().stream().distinct().count() == 1) {
                        double sum = ms.get(key(BlockStructure.uniform(block.heads(), block.headWidths().get(0), full.mlpWidth()))) / depth
                                + ms.get(key(new BlockStructure(full.headWidths(), block.mlpWidth()))) / depth - fullMs;
                        additive += sum;
                        System.out.printf("  %-40s %.3f as a stack; heads at full MLP + MLP at full attention - full block: %.3f%n", key(block), stack, sum);
                    } else {
                        allUniform = false;
                        System.out.printf("  %-40s %.3f as a stack%n", key(block), stack);
                    }
                }
                double whole = ms.get("model " + m);
                double parts0 = ms.get("fixed") + blocks;
                System.out.printf("  whole %.3f; embedding and classifier + blocks as stacks %.3f (whole / parts %.3f)%s%n", whole, parts0, whole / parts0,
                        allUniform ? String.format(" ; the same with each block added up %.3f", ms.get("fixed") + additive) : "");
            }
        }
    }

    private static void addStack(Map<String, Runnable> parts, BlockStructure block, VitConfig config, NDArray tokens, NDManager manager) {
        if (parts.containsKey(key(block))) {
            return;
        }
        int depth = config.depth();
        VisionTransformer stack = VisionTransformer.initialize(config, new ModelStructure(config.dim(), Collections.nCopies(depth, block)), parts.size(),
                manager);
        parts.put(key(block), () -> {
            try (NDManager call = stack.newScope()) {
                tokens.tempAttach(call);
                NDArray x = tokens;
                for (int b = 0; b < depth; b++) {
                    x = stack.block(b, x, null, null);
                }
            }
        });
    }

    private static String key(BlockStructure block) {
        return "heads " + block.headWidths() + ", MLP " + block.mlpWidth();
    }

    /** Three untimed rounds, then {@link #ROUNDS} timed ones, each part once per round in a shuffled order. */
    private static Map<String, Double> medians(Map<String, Runnable> parts) {
        List<String> order = new ArrayList<>(parts.keySet());
        Map<String, double[]> times = new LinkedHashMap<>();
        order.forEach(part -> times.put(part, new double[ROUNDS]));
        Random random = new Random(0);
        for (int round = -3; round < ROUNDS; round++) {
            Collections.shuffle(order, random);
            for (String part : order) {
                long start = System.nanoTime();
                for (int call = 0; call < CALLS_PER_ROUND; call++) {
                    parts.get(part).run();
                }
                if (round >= 0) {
                    times.get(part)[round] = (System.nanoTime() - start) / 1e6 / CALLS_PER_ROUND;
                }
            }
        }
        Map<String, Double> medians = new LinkedHashMap<>();
        times.forEach((part, values) -> {
            double[] sorted = values.clone();
            Arrays.sort(sorted);
            medians.put(part, sorted[ROUNDS / 2]);
        });
        return medians;
    }
}
