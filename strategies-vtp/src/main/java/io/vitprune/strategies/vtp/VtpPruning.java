package io.vitprune.strategies.vtp;

import static java.util.Objects.requireNonNull;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.BlockPlan;
import io.vitprune.api.BlockStructure;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ModelStructure;
import io.vitprune.api.PruningPlan;
import io.vitprune.api.PruningTarget;
import io.vitprune.api.Selector;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.UnitKind;
import io.vitprune.api.UnitScores;
import io.vitprune.core.data.Cifar10;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.select.CoreStrategies;
import io.vitprune.core.surgery.Surgery;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

/**
 * VTP end to end (methods.md section 4.4): train gates, select the units with the lowest |g|
 * (globally by ratio, or below a threshold), fold every gate into the weights and remove the
 * selected units. The result is the gate-trained network, not the reference: it computes what the
 * gated model computes with the removed units' gates set to 0. Fine-tuning comes after, as for
 * every strategy.
 */
public final class VtpPruning {
    private VtpPruning() {
    }

    /**
     * Trains gates on {@code images} from {@code reference} (which stays unchanged), removes
     * {@code target.ratio()} of the target's units with the core {@code global} selector (one
     * ranking of |g| across blocks) and returns the folded, physically smaller network.
     */
    public static VisionTransformer prune(VisionTransformer reference, Cifar10 images, PruningTarget target, VtpSettings settings,
                                          NDManager manager) throws IOException {
        requireNonNull(target, "target is null");
        try (GatedModel gated = VtpGates.train(reference, images, settings, manager)) {
            return apply(gated, plan(gated, target, globalSelector()), manager);
        }
    }

    /** The plan {@code selector} makes from the gates' |g| for {@code target}. */
    public static PruningPlan plan(GatedModel gated, PruningTarget target, Selector selector) {
        requireNonNull(target, "target is null");
        requireNonNull(selector, "selector is null");
        return selector.select(gated.scores(target.kind()), gated.structure(), target);
    }

    /**
     * The plan that removes every unit of {@code kind} whose score (|g|, summed over a head's
     * channels for heads) is below {@code threshold}; a block whose units all fall below keeps its
     * highest-scored one, since a block needs a path through it.
     */
    public static PruningPlan threshold(GatedModel gated, UnitKind kind, double threshold) {
        if (!(threshold >= 0 && Double.isFinite(threshold))) {
            throw new InvalidInputException("VTP gate threshold " + threshold + ": expected a finite number >= 0");
        }
        ModelStructure structure = gated.structure();
        UnitScores scores = gated.scores(kind);
        List<BlockPlan> blocks = new ArrayList<>();
        for (int b = 0; b < structure.depth(); b++) {
            float[] units = scores.block(b);
            int[] kept = IntStream.range(0, units.length).filter(i -> units[i] >= threshold).toArray();
            if (kept.length == 0) {
                kept = new int[] {highest(units)};
            }
            blocks.add(keep(structure.block(b), kind, kept));
        }
        return new PruningPlan(structure, blocks);
    }

    /** Folds every gate into the weights, then removes what {@code plan} drops; {@code gated} is left untouched. */
    public static VisionTransformer apply(GatedModel gated, PruningPlan plan, NDManager manager) {
        requireNonNull(plan, "plan is null");
        try (VisionTransformer folded = gated.fold(manager)) {
            return Surgery.apply(folded, plan, manager);
        }
    }

    /** The core {@code global} selector with its default settings. */
    static Selector globalSelector() {
        return new CoreStrategies().selectors().stream()
                .filter(factory -> factory.name().equals("global"))
                .findFirst()
                .map(factory -> factory.create(StrategySettings.EMPTY))
                .orElseThrow(() -> new IllegalStateException("core offers no 'global' selector"));
    }

    private static BlockPlan keep(BlockStructure block, UnitKind kind, int[] kept) {
        int[] allChannels = IntStream.range(0, block.attentionWidth()).toArray();
        int[] allUnits = IntStream.range(0, block.mlpWidth()).toArray();
        int[] offsets = block.headOffsets();
        return switch (kind) {
            case ATTENTION_CHANNEL -> new BlockPlan(kept, allUnits);
            case ATTENTION_HEAD -> new BlockPlan(IntStream.of(kept).flatMap(h -> IntStream.range(offsets[h], offsets[h + 1])).toArray(), allUnits);
            case MLP_UNIT -> new BlockPlan(allChannels, kept);
            case TOKEN -> throw new IllegalArgumentException("rejected by GatedModel.scores");
        };
    }

    private static int highest(float[] scores) {
        int best = 0;
        for (int i = 1; i < scores.length; i++) {
            if (scores[i] > scores[best]) {
                best = i;
            }
        }
        return best;
    }
}
