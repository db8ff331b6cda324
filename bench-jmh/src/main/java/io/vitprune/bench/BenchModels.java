package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.jni.JniUtils;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.ScoringContext;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.Pruning;
import io.vitprune.core.data.Preprocessing;
import io.vitprune.core.io.ModelStore;
import io.vitprune.core.model.Topology;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import io.vitprune.core.registry.StrategyRegistry;
import io.vitprune.core.surgery.Surgery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The models and plans the benchmarks run, shared by their states.
 *
 * <p>The {@code model} parameter of every benchmark is one of
 * <ul>
 *   <li>{@code paper}: the seed paper's configuration (dim 512, depth 6, 8 x 64 heads, mlp 512) with
 *       random weights (seed 7): its latency does not depend on the weights;</li>
 *   <li>{@code deit-tiny}, {@code deit-small}, {@code deit-base}: DeiT's shapes (224 x 224, patch 16,
 *       197 tokens, depth 12, 3 / 6 / 12 heads of 64, timm's topology, 1,000 classes), random weights,
 *       so that latencies stand beside the ones DynamicViT, ToMe and VTP publish for them;</li>
 *   <li>{@code reference}: the bundled model, loaded at run time from {@code models/reference}
 *       relative to the working directory (run the jar from the repository root), so that the
 *       benchmark always measures the weights the checkout holds; the system property
 *       {@code vitprune.bench.reference} (given to the {@code java -jar} command, which JMH passes
 *       on to its forks) points it elsewhere;</li>
 *   <li>any other value: a model directory written by vitprune (e.g. a fine-tuned model).</li>
 * </ul>
 */
final class BenchModels {
    static final String PAPER = "paper";
    /** The shapes run with random weights (seed 7), by name. */
    static final Map<String, VitConfig> SHAPES = Map.of(PAPER, VitConfig.paper(), "deit-tiny", deit(192, 3), "deit-small", deit(384, 6),
            "deit-base", deit(768, 12));
    static final String REFERENCE = "reference";
    static final String REFERENCE_PROPERTY = "vitprune.bench.reference";
    static final long PAPER_SEED = 7;

    private BenchModels() {
    }

    /** DeiT's shape of width {@code dim}: as timm's deit_*_patch16_224, with its ImageNet preprocessing. */
    static VitConfig deit(int dim, int heads) {
        Preprocessing imagenet = new Preprocessing(224, 256, "bicubic", List.of(0.485, 0.456, 0.406), List.of(0.229, 0.224, 0.225));
        return new VitConfig(224, 16, dim, 12, heads, dim / heads, 4 * dim, 1000, Topology.timm(1e-6), imagenet);
    }

    /** Where a {@code model} parameter other than a named shape is read from. */
    static Path directory(String model) {
        Path directory = REFERENCE.equals(model) ? Path.of(System.getProperty(REFERENCE_PROPERTY, "models/reference")) : Path.of(model);
        if (!Files.isRegularFile(directory.resolve(ModelStore.MANIFEST))) {
            throw new InvalidInputException("benchmark model '" + model + "' = " + directory.toAbsolutePath()
                    + ": expected a model directory written by vitprune; run the jar from the repository root, or pass -D"
                    + REFERENCE_PROPERTY + "=DIR (for 'reference') or -p model=DIR");
        }
        return directory;
    }

    /** The config of the model a {@code model} parameter names, without loading weights. */
    static VitConfig config(String model) {
        return SHAPES.containsKey(model) ? SHAPES.get(model) : ModelStore.readManifest(directory(model)).config();
    }

    /** The unpruned model a {@code model} parameter names, in {@code manager}. */
    static VisionTransformer load(String model, NDManager manager) {
        EngineDefaults.apply();
        VisionTransformer loaded = SHAPES.containsKey(model)
                ? VisionTransformer.initialize(SHAPES.get(model), PAPER_SEED, manager)
                : ModelStore.load(directory(model), manager);
        requireNoGradient(loaded);
        return loaded;
    }

    /**
     * {@code base} pruned by a data-free scorer at {@code ratio} of its attention channels, under
     * {@code selector} with head-aligned rounding or not; {@code base} is closed.
     */
    static VisionTransformer prune(VisionTransformer base, String strategy, String selector, double ratio, String heads, NDManager manager) {
        boolean aligned = switch (heads) {
            case "aligned" -> true;
            case "ragged" -> false;
            default -> throw new InvalidInputException("benchmark parameter heads = '" + heads + "': expected aligned or ragged");
        };
        StrategyRegistry registry = StrategyRegistry.load();
        ScorerFactory scorer = registry.scorer(strategy);
        if (scorer.needsData() || scorer.trainsModel()) {
            throw new InvalidInputException("benchmark strategy '" + strategy + "' needs scoring data or training: the forward benchmark "
                    + "prunes with data-free scorers only (latency depends on the plan's shapes, not on how the units were chosen)");
        }
        PruningPlan plan = Pruning.plan(base, scorer.create(StrategySettings.EMPTY),
                registry.selector(selector).create(StrategySettings.of("head-aligned", String.valueOf(aligned))),
                new PruningTarget(UnitKind.ATTENTION_CHANNEL, ratio), ScoringContext.dataFree(manager));
        VisionTransformer pruned = Surgery.apply(base, plan, manager);
        base.close();
        requireNoGradient(pruned);
        return pruned;
    }

    /**
     * A model of {@code pruned}'s shapes with every head of a block padded to the block's widest
     * head, with random weights: the cost of running the plan with zero-padded weights (zero q and k
     * channels add nothing to q k^T, zero v channels give zero outputs that meet zero columns of
     * the output projection, so padding is exact), here for latency only: the weights are not
     * carried over.
     */
    static VisionTransformer padHeads(VisionTransformer pruned, NDManager manager) {
        List<BlockStructure> blocks = new ArrayList<>();
        for (BlockStructure block : pruned.structure().blocks()) {
            int widest = block.headWidths().stream().mapToInt(Integer::intValue).max().orElseThrow();
            blocks.add(BlockStructure.uniform(block.heads(), widest, block.mlpWidth()));
        }
        VisionTransformer padded = VisionTransformer.initialize(pruned.config(), new ModelStructure(pruned.structure().dim(), blocks),
                PAPER_SEED, manager);
        requireNoGradient(padded);
        return padded;
    }

    /**
     * Turns off libtorch's gradient recording on the calling thread (it is thread-local: call it
     * on the benchmark thread) and checks that it is off.
     */
    static void inferenceMode() {
        JniUtils.setGradMode(false);
        if (JniUtils.isGradMode()) {
            throw new IllegalStateException("libtorch gradient mode is still on after setGradMode(false)");
        }
    }

    /** Fails if any weight would make libtorch record an autograd graph. */
    static void requireNoGradient(VisionTransformer model) {
        for (var entry : model.namedParameters().entrySet()) {
            Parameter parameter = entry.getValue();
            NDArray array = parameter.getArray();
            if (array.hasGradient()) {
                throw new IllegalStateException("parameter " + entry.getKey() + " requires a gradient: inference would record autograd");
            }
        }
    }

    /** Fails if a forward result carries an autograd graph. */
    static void requireNoGradient(NDArray result) {
        if (result.hasGradient()) {
            throw new IllegalStateException("the forward result requires a gradient: inference recorded autograd");
        }
    }
}
