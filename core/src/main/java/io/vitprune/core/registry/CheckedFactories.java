package io.vitprune.core.registry;

import io.vitprune.api.Scorer;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.Selector;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.SettingSpec;
import io.vitprune.api.StrategySettings;
import io.vitprune.api.TokenReducer;
import io.vitprune.api.TokenReducerFactory;
import io.vitprune.api.TokenScorer;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelector;
import io.vitprune.api.TokenSelectorFactory;
import io.vitprune.api.UnitKind;
import java.util.List;
import java.util.Set;

/**
 * The factories as the registry hands them out: each checks the given settings against the
 * plug-in's specs before the plug-in's {@code create} runs, so that no plug-in checks by hand and
 * every refusal reads alike. Scorers come back as {@link RegisteredScorer}s.
 */
final class CheckedFactories {
    private CheckedFactories() {
    }

    record CheckedScorerFactory(ScorerFactory plugin) implements ScorerFactory {
        @Override
        public String name() {
            return plugin.name();
        }

        @Override
        public String description() {
            return plugin.description();
        }

        @Override
        public Set<UnitKind> supportedKinds() {
            return plugin.supportedKinds();
        }

        @Override
        public boolean needsData() {
            return plugin.needsData();
        }

        @Override
        public boolean trainsModel() {
            return plugin.trainsModel();
        }

        @Override
        public List<SettingSpec> settings() {
            return plugin.settings();
        }

        @Override
        public Scorer create(StrategySettings settings) {
            settings.check(name(), settings());
            return new RegisteredScorer(name(), supportedKinds(), plugin.create(settings));
        }
    }

    record CheckedSelectorFactory(SelectorFactory plugin) implements SelectorFactory {
        @Override
        public String name() {
            return plugin.name();
        }

        @Override
        public String description() {
            return plugin.description();
        }

        @Override
        public List<SettingSpec> settings() {
            return plugin.settings();
        }

        @Override
        public Selector create(StrategySettings settings) {
            settings.check(name(), settings());
            return plugin.create(settings);
        }
    }

    record CheckedTokenScorerFactory(TokenScorerFactory plugin) implements TokenScorerFactory {
        @Override
        public String name() {
            return plugin.name();
        }

        @Override
        public String description() {
            return plugin.description();
        }

        @Override
        public boolean learned() {
            return plugin.learned();
        }

        @Override
        public List<SettingSpec> settings() {
            return plugin.settings();
        }

        @Override
        public TokenScorer create(StrategySettings settings, Setup setup) {
            settings.check(name(), settings());
            return plugin.create(settings, setup);
        }
    }

    record CheckedTokenSelectorFactory(TokenSelectorFactory plugin) implements TokenSelectorFactory {
        @Override
        public String name() {
            return plugin.name();
        }

        @Override
        public String description() {
            return plugin.description();
        }

        @Override
        public List<SettingSpec> settings() {
            return plugin.settings();
        }

        @Override
        public TokenSelector create(StrategySettings settings) {
            settings.check(name(), settings());
            return plugin.create(settings);
        }
    }

    record CheckedTokenReducerFactory(TokenReducerFactory plugin) implements TokenReducerFactory {
        @Override
        public String name() {
            return plugin.name();
        }

        @Override
        public String description() {
            return plugin.description();
        }

        @Override
        public List<SettingSpec> settings() {
            return plugin.settings();
        }

        @Override
        public TokenReducer create(StrategySettings settings, Setup setup) {
            settings.check(name(), settings());
            return plugin.create(settings, setup);
        }
    }
}
