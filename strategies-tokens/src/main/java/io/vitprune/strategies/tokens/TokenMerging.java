package io.vitprune.strategies.tokens;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReducerFactory;
import java.util.List;

/**
 * {@code tome}: ToMe token merging (Bolya et al., ICLR 2023; methods.md section 4.6), training-free:
 * in every block, between attention and MLP, the r most similar pairs of tokens are merged by
 * {@link BipartiteMerging}. Works on any backbone, channel-pruned (ragged heads) included.
 */
public final class TokenMerging implements TokenReducerFactory {
    static final String NAME = "tome";
    static final SettingSpec R = SettingSpec.integer("r", 8, "tokens merged per block (at most half the patch tokens in the block)");
    static final SettingSpec SCHEDULE = SettingSpec.choice("schedule", "constant",
            "r in every block, or decreasing linearly from 2r in the first block to 0 in the last (the paper's decreasing schedule)",
            "constant", "decreasing");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "ToMe: training-free token merging, r most similar token pairs (attention keys) merged in each block, proportional attention";
    }

    @Override
    public List<SettingSpec> settings() {
        return List.of(R, SCHEDULE);
    }

    @Override
    public TokenReducer create(StrategySettings settings, Setup setup) {
        int r = R.integer(settings);
        if (r < 0) {
            throw new InvalidInputException("token reducer '" + NAME + "' setting r=" + r + ": expected an integer >= 0 (tokens merged per block)");
        }
        return new BipartiteMerging(perBlock(r, SCHEDULE.string(settings), setup.structure().depth()), setup.structure());
    }

    /**
     * Tokens merged in each of {@code depth} blocks: {@code r} everywhere, or (decreasing) ToMe's
     * {@code int(2r - 2r i / (depth - 1))} for block i (its {@code parse_r} with inflection -1).
     */
    static int[] perBlock(int r, String schedule, int depth) {
        int[] merged = new int[depth];
        for (int b = 0; b < depth; b++) {
            merged[b] = schedule.equals("decreasing") && depth > 1 ? (int) (2.0 * r + (-2.0 * r / (depth - 1)) * b) : r;
        }
        return merged;
    }
}
