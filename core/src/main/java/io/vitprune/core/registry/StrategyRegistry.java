package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.StrategyProvider;
import io.vitprune.api.TokenReducerFactory;
import io.vitprune.api.TokenScorerFactory;
import io.vitprune.api.TokenSelectorFactory;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * Every scorer and selector on the class path, found with {@link ServiceLoader} and kept by name.
 * Adding a strategy never edits this class.
 *
 * <p>One broken plug-in does not hide the others: a provider whose class cannot be loaded, whose
 * constructor throws or whose factory lists fail is skipped and listed in {@link #broken()}. A name
 * that two plug-ins offer for one kind is unusable, since either choice would be a guess: asking
 * for it fails naming both jars, it is listed in {@link #clashes()}, and every other name works.
 */
public final class StrategyRegistry {
    private final Catalog<ScorerFactory> scorers;
    private final Catalog<SelectorFactory> selectors;
    private final Catalog<TokenScorerFactory> tokenScorers;
    private final Catalog<TokenSelectorFactory> tokenSelectors;
    private final Catalog<TokenReducerFactory> tokenReducers;
    private final List<BrokenProvider> broken;

    /** A name offered more than once for one kind of strategy, with every offer. */
    public record Clash(String kind, String name, List<Registered<?>> offers) {
        public Clash {
            requireNonNull(kind, "kind is null");
            requireNonNull(name, "name is null");
            offers = List.copyOf(offers);
        }

        String message() {
            StringBuilder message = new StringBuilder(kind + " '" + name + "' is offered twice:");
            for (int i = 0; i < offers.size(); i++) {
                message.append(i == 0 ? " by provider '" : " and by provider '").append(offers.get(i).provider()).append("' from ")
                        .append(offers.get(i).source());
            }
            return message.append(": expected unique names; remove one of the plug-ins from the class path to use it").toString();
        }
    }

    /** The factories of one kind by name, and the names offered twice. */
    private record Catalog<T>(String kind, Map<String, Registered<T>> unique, List<Clash> clashes) {
        static <T> Catalog<T> of(String kind, List<Loaded> loaded, Function<Loaded, List<Registered<T>>> offers) {
            Map<String, List<Registered<T>>> byName = new TreeMap<>();
            for (Loaded provider : loaded) {
                offers.apply(provider).forEach(offer -> byName.computeIfAbsent(offer.name(), name -> new ArrayList<>()).add(offer));
            }
            Map<String, Registered<T>> unique = new TreeMap<>();
            List<Clash> clashes = new ArrayList<>();
            byName.forEach((name, offered) -> {
                if (offered.size() == 1) {
                    unique.put(name, offered.get(0));
                } else {
                    clashes.add(new Clash(kind, name, List.copyOf(offered)));
                }
            });
            return new Catalog<>(kind, unique, clashes);
        }

        /** Fails naming both jars for a clash, else listing the names there are and the broken plug-ins (the one asked for may be among them). */
        T find(String name, List<BrokenProvider> broken) {
            requireNonNull(name, kind + " name is null");
            Registered<T> found = unique.get(name);
            if (found != null) {
                return found.factory();
            }
            for (Clash clash : clashes) {
                if (clash.name().equals(name)) {
                    throw new InvalidInputException(clash.message());
                }
            }
            StringBuilder brokenList = new StringBuilder();
            for (BrokenProvider provider : broken) {
                brokenList.append(brokenList.isEmpty() ? "; plug-ins that failed to load: " : "; ")
                        .append(provider.provider()).append(" from ").append(provider.source()).append(" (").append(provider.reason()).append(')');
            }
            throw new InvalidInputException("unknown " + kind + " '" + name + "': available: "
                    + (unique.isEmpty() ? "none" : String.join(", ", unique.keySet())) + brokenList);
        }
    }

    /** A provider that loaded, with its factories as offered (checked once, so that later reads need no guarding). */
    private record Loaded(List<Registered<ScorerFactory>> scorers, List<Registered<SelectorFactory>> selectors,
                          List<Registered<TokenScorerFactory>> tokenScorers, List<Registered<TokenSelectorFactory>> tokenSelectors,
                          List<Registered<TokenReducerFactory>> tokenReducers) { }

    private StrategyRegistry(List<Loaded> loaded, List<BrokenProvider> broken) {
        this.scorers = Catalog.of("scorer", loaded, Loaded::scorers);
        this.selectors = Catalog.of("selector", loaded, Loaded::selectors);
        this.tokenScorers = Catalog.of("token scorer", loaded, Loaded::tokenScorers);
        this.tokenSelectors = Catalog.of("token selector", loaded, Loaded::tokenSelectors);
        this.tokenReducers = Catalog.of("token reducer", loaded, Loaded::tokenReducers);
        this.broken = List.copyOf(broken);
    }

    /** The providers visible to the thread's context class loader (the application's class path). */
    public static StrategyRegistry load() {
        ClassLoader context = Thread.currentThread().getContextClassLoader();
        return load(context != null ? context : StrategyRegistry.class.getClassLoader());
    }

    /** The providers listed in {@code META-INF/services/io.vitprune.api.StrategyProvider} files visible to {@code loader}. */
    public static StrategyRegistry load(ClassLoader loader) {
        requireNonNull(loader, "loader is null");
        List<Loaded> loaded = new ArrayList<>();
        List<BrokenProvider> broken = new ArrayList<>();
        discover(loader, loaded, broken);
        return new StrategyRegistry(loaded, broken);
    }

    /** The scorer factory called {@code name}; fails listing the names there are. */
    public ScorerFactory scorer(String name) {
        return scorers.find(name, broken);
    }

    /** The selector factory called {@code name}; fails listing the names there are. */
    public SelectorFactory selector(String name) {
        return selectors.find(name, broken);
    }

    /** The token scorer factory called {@code name}; fails listing the names there are. */
    public TokenScorerFactory tokenScorer(String name) {
        return tokenScorers.find(name, broken);
    }

    /** The token selector factory called {@code name}; fails listing the names there are. */
    public TokenSelectorFactory tokenSelector(String name) {
        return tokenSelectors.find(name, broken);
    }

    /** The token reducer factory called {@code name}; fails listing the names there are. */
    public TokenReducerFactory tokenReducer(String name) {
        return tokenReducers.find(name, broken);
    }

    /** Every token reducer with a unique name, sorted by name. */
    public List<Registered<TokenReducerFactory>> tokenReducers() {
        return List.copyOf(tokenReducers.unique().values());
    }

    /** Every token scorer with a unique name, sorted by name. */
    public List<Registered<TokenScorerFactory>> tokenScorers() {
        return List.copyOf(tokenScorers.unique().values());
    }

    /** Every token selector, sorted by name. */
    public List<Registered<TokenSelectorFactory>> tokenSelectors() {
        return List.copyOf(tokenSelectors.unique().values());
    }

    /** Every scorer with a unique name, sorted by name. */
    public List<Registered<ScorerFactory>> scorers() {
        return List.copyOf(scorers.unique().values());
    }

    /** Every selector, sorted by name. */
    public List<Registered<SelectorFactory>> selectors() {
        return List.copyOf(selectors.unique().values());
    }

    /** Providers that were listed but could not be used, in the order they were found. */
    public List<BrokenProvider> broken() {
        return broken;
    }

    /** Names offered by more than one plug-in, unusable until one of them is removed. */
    public List<Clash> clashes() {
        List<Clash> all = new ArrayList<>();
        for (Catalog<?> catalog : List.of(scorers, selectors, tokenScorers, tokenSelectors, tokenReducers)) {
            all.addAll(catalog.clashes());
        }
        return all;
    }

    /** Every provider {@code loader} lists, loaded, or recorded as broken. */
    private static void discover(ClassLoader loader, List<Loaded> loaded, List<BrokenProvider> broken) {
        Map<String, String> listed = Sources.listed(loader);
        // ServiceLoader consumes a listed name before it reports that the name failed to load, so
        // asking again after an error moves on to the next provider instead of stopping.
        Iterator<ServiceLoader.Provider<StrategyProvider>> candidates = ServiceLoader.load(StrategyProvider.class, loader).stream().iterator();
        while (true) {
            ServiceLoader.Provider<StrategyProvider> candidate;
            try {
                if (!candidates.hasNext()) {
                    return;
                }
                candidate = candidates.next();
            } catch (ServiceConfigurationError | LinkageError e) {
                // The class is missing or unusable: only the error's text names it.
                String name = Sources.named(e.getMessage(), listed);
                broken.add(name == null
                        ? new BrokenProvider(Sources.UNKNOWN, Sources.UNKNOWN, reason(e))
                        : new BrokenProvider(name, listed.get(name), reason(e)));
                continue;
            }
            open(candidate, loaded, broken);
        }
    }

    /** Instantiates one provider and reads its factories, recording it as broken if any of that fails. */
    private static void open(ServiceLoader.Provider<StrategyProvider> candidate, List<Loaded> loaded, List<BrokenProvider> broken) {
        Class<?> type = candidate.type();
        String source = Sources.of(type);
        try {
            StrategyProvider provider = candidate.get();
            String name = provider.name();
            if (name == null || name.isBlank()) {
                throw new IllegalStateException("name() is blank: expected the plug-in's name");
            }
            loaded.add(new Loaded(
                    offers("scorers()", provider.scorers(), ScorerFactory::name, ScorerFactory::description,
                            CheckedFactories.CheckedScorerFactory::new, name, source),
                    offers("selectors()", provider.selectors(), SelectorFactory::name, SelectorFactory::description,
                            CheckedFactories.CheckedSelectorFactory::new, name, source),
                    offers("tokenScorers()", provider.tokenScorers(), TokenScorerFactory::name, TokenScorerFactory::description,
                            CheckedFactories.CheckedTokenScorerFactory::new, name, source),
                    offers("tokenSelectors()", provider.tokenSelectors(), TokenSelectorFactory::name, TokenSelectorFactory::description,
                            CheckedFactories.CheckedTokenSelectorFactory::new, name, source),
                    offers("tokenReducers()", provider.tokenReducers(), TokenReducerFactory::name, TokenReducerFactory::description,
                            CheckedFactories.CheckedTokenReducerFactory::new, name, source)));
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            broken.add(new BrokenProvider(type.getName(), source, reason(e)));
        }
    }

    /** The provider's factories, checked to be named and described, each behind the host's checks ({@code checked}). */
    private static <T> List<Registered<T>> offers(String method, List<T> factories, Function<T, String> name, Function<T, String> description,
                                                  UnaryOperator<T> checked, String provider, String source) {
        if (factories == null || factories.stream().anyMatch(Objects::isNull)) {
            throw new IllegalStateException(method + " returned null or a null factory: expected a list of factories");
        }
        List<Registered<T>> offers = new ArrayList<>();
        for (T factory : factories) {
            String offered = name.apply(factory);
            String described = description.apply(factory);
            if (offered == null || offered.isBlank() || described == null) {
                throw new IllegalStateException(method + " offered " + factory.getClass().getName()
                        + " without a name or description: expected both (e.g. 'weight-l1', a one-line summary)");
            }
            offers.add(new Registered<>(offered, described, checked.apply(factory), provider, source));
        }
        return offers;
    }

    /** ServiceLoader's own words (without the service name it prefixes) and the cause; otherwise the error itself. */
    private static String reason(Throwable error) {
        if (!(error instanceof ServiceConfigurationError) || error.getMessage() == null) {
            return error.toString();
        }
        String message = error.getMessage().replaceFirst("^" + Pattern.quote(StrategyProvider.class.getName()) + ": ", "");
        return error.getCause() == null ? message : message + ": " + error.getCause();
    }
}
