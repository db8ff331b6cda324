package io.vitprune.core.registry;

import io.vitprune.api.ScorerFactory;
import io.vitprune.api.Selector;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.StrategyProvider;
import io.vitprune.api.StrategySettings;
import java.util.List;

/** Providers that misbehave in the ways a third-party plug-in can, listed by tests in a services file of their own. */
public final class TestProviders {
    private TestProviders() {
    }

    public static final class ThrowingConstructor implements StrategyProvider {
        public ThrowingConstructor() {
            throw new IllegalStateException("boom in constructor");
        }

        @Override
        public String name() {
            return "throwing-constructor";
        }
    }

    public static final class ThrowingScorers implements StrategyProvider {
        @Override
        public String name() {
            return "throwing-scorers";
        }

        @Override
        public List<ScorerFactory> scorers() {
            throw new UnsupportedOperationException("boom in scorers()");
        }
    }

    public static final class NamedDuplicateA implements StrategyProvider {
        @Override
        public String name() {
            return "duplicate-a";
        }

        @Override
        public List<SelectorFactory> selectors() {
            return List.of(new Fixed("same-name"));
        }
    }

    public static final class NamedDuplicateB implements StrategyProvider {
        @Override
        public String name() {
            return "duplicate-b";
        }

        @Override
        public List<SelectorFactory> selectors() {
            return List.of(new Fixed("same-name"));
        }
    }

    /** A selector factory whose selectors are never used by these tests. */
    record Fixed(String name) implements SelectorFactory {
        @Override
        public String description() {
            return "test fixture";
        }

        @Override
        public Selector create(StrategySettings settings) {
            throw new UnsupportedOperationException("not used in tests");
        }
    }
}
