package io.vitprune.core.select;

import io.vitprune.api.SelectionRules;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.StrategyProvider;
import io.vitprune.api.TokenSelectorFactory;
import java.util.List;

/** The selectors every installation has (methods.md section 3) and the {@code top-k} token selector, found like any plug-in. */
public final class CoreStrategies implements StrategyProvider {
    @Override
    public String name() {
        return "core";
    }

    @Override
    public List<SelectorFactory> selectors() {
        return List.of(
                new CoreSelectorFactory("uniform", "per block: remove the ratio of each block's lowest-scored units",
                        SelectionRules.SETTINGS,
                        settings -> new UniformSelector(SelectionRules.from("uniform", settings))),
                new CoreSelectorFactory("global", "rank the units of all blocks together; remove the lowest ratio (ragged widths)",
                        List.of(SelectionRules.MIN_KEPT, SelectionRules.HEAD_ALIGNED, Normalization.SETTING),
                        settings -> new GlobalSelector(SelectionRules.from("global", settings), Normalization.from(settings))));
    }

    @Override
    public List<TokenSelectorFactory> tokenSelectors() {
        return List.of(new TopKSelector());
    }
}
