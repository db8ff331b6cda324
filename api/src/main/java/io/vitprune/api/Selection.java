package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The parts of a selector that the core selectors share and a third-party selector can reuse:
 * input checks, the removal order within a block, head-aligned removal, and turning removed units
 * into a plan.
 *
 * <p>Ties are broken by position so that plans are reproducible: among equal scores the unit with
 * the higher index goes first, i.e. lower indices are kept.
 */
public final class Selection {
    private Selection() {
    }

    /** Fails unless {@code scores} are of the target's kind, which must be a structural one, and fit {@code structure}. */
    public static void check(String selector, UnitScores scores, ModelStructure structure, PruningTarget target) {
        requireNonNull(scores, "scores are null");
        requireNonNull(structure, "structure is null");
        requireNonNull(target, "target is null");
        if (target.kind() == UnitKind.TOKEN) {
            throw new InvalidInputException("selector '" + selector + "' with target " + UnitKind.TOKEN.id()
                    + ": expected attention-channel, attention-head or mlp-unit (tokens are chosen per image, not by a plan)");
        }
        if (scores.kind() != target.kind()) {
            throw new InvalidInputException("selector '" + selector + "' was given " + scores.kind().id() + " scores for a target of "
                    + target.kind().id() + "s: expected scores of the target's kind");
        }
        scores.requireMatches(structure);
    }

    /** Indices of {@code scores}, lowest score first (removed first); ties: higher index first. */
    public static int[] lowestFirst(double[] scores) {
        return IntStream.range(0, scores.length).boxed()
                .sorted(Comparator.<Integer>comparingDouble(i -> scores[i]).thenComparing(Comparator.reverseOrder()))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    public static double[] widen(float[] scores) {
        return IntStream.range(0, scores.length).mapToDouble(i -> scores[i]).toArray();
    }

    /** Flags the {@code count} lowest-scored units. */
    public static boolean[] lowest(float[] scores, int count) {
        boolean[] removed = new boolean[scores.length];
        int[] order = lowestFirst(widen(scores));
        for (int i = 0; i < count; i++) {
            removed[order[i]] = true;
        }
        return removed;
    }

    /** The most channels every head of {@code block} may lose: each head keeps one, the block keeps min-kept. */
    public static int maxPerHead(BlockStructure block, SelectionRules rules) {
        int narrowest = block.headWidths().stream().mapToInt(Integer::intValue).min().orElseThrow();
        return Math.max(0, Math.min(narrowest - 1, rules.removable(block.attentionWidth()) / block.heads()));
    }

    /** Flags the {@code perHead} lowest-scored channels of every head of {@code block}. */
    public static boolean[] lowestPerHead(float[] channelScores, BlockStructure block, int perHead) {
        boolean[] removed = new boolean[channelScores.length];
        int[] offsets = block.headOffsets();
        for (int head = 0; head < block.heads(); head++) {
            double[] inHead = new double[offsets[head + 1] - offsets[head]];
            for (int i = 0; i < inHead.length; i++) {
                inHead[i] = channelScores[offsets[head] + i];
            }
            int[] order = lowestFirst(inHead);
            for (int i = 0; i < perHead; i++) {
                removed[offsets[head] + order[i]] = true;
            }
        }
        return removed;
    }

    /** The plan that removes the flagged units of {@code kind} and keeps every unit of other kinds. */
    public static PruningPlan plan(ModelStructure structure, UnitKind kind, List<boolean[]> removed) {
        List<BlockPlan> blocks = new ArrayList<>();
        for (int b = 0; b < structure.depth(); b++) {
            BlockStructure block = structure.block(b);
            BlockPlan all = BlockPlan.keepAll(block);
            boolean[] gone = removed.get(b);
            blocks.add(switch (kind) {
                case ATTENTION_CHANNEL -> new BlockPlan(kept(gone), all.keptMlpUnits());
                case ATTENTION_HEAD -> new BlockPlan(channelsOfKeptHeads(block, gone), all.keptMlpUnits());
                case MLP_UNIT -> new BlockPlan(all.keptAttentionChannels(), kept(gone));
                case TOKEN -> throw new IllegalArgumentException("tokens are rejected by check()");
            });
        }
        return new PruningPlan(structure, blocks);
    }

    private static int[] kept(boolean[] removed) {
        return IntStream.range(0, removed.length).filter(i -> !removed[i]).toArray();
    }

    private static int[] channelsOfKeptHeads(BlockStructure block, boolean[] removedHeads) {
        int[] offsets = block.headOffsets();
        return IntStream.range(0, block.heads())
                .filter(head -> !removedHeads[head])
                .flatMap(head -> IntStream.range(offsets[head], offsets[head + 1]))
                .toArray();
    }
}
