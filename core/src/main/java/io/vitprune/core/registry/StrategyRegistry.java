package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.Module;
import com.google.inject.TypeLiteral;
import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ScorerFactory;
import io.vitprune.api.SelectorFactory;
import io.vitprune.api.StrategyProvider;
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
import java.util.regex.Pattern;

/**
 * Every scorer and selector on the class path. Providers are found with {@link ServiceLoader};
 * each becomes a Guice module that adds its factories to a name-keyed map (Druid-style), and the
 * registry reads the injected maps. Adding a strategy never edits this class.
 *
 * <p>One broken plug-in does not hide the others: a provider whose class cannot be loaded, whose
 * constructor throws or whose factory lists fail is skipped and listed in {@link #broken()}. Two
 * factories of one kind with the same name are an error, since either choice would be a guess.
 */
public final class StrategyRegistry {
    private static final Key<Map<String, ScorerFactory>> SCORERS = Key.get(new TypeLiteral<>() { });
    private static final Key<Map<String, SelectorFactory>> SELECTORS = Key.get(new TypeLiteral<>() { });
    private static final Key<Map<String, TokenScorerFactory>> TOKEN_SCORERS = Key.get(new TypeLiteral<>() { });
    private static final Key<Map<String, TokenSelectorFactory>> TOKEN_SELECTORS = Key.get(new TypeLiteral<>() { });

    private final Map<String, Registered<ScorerFactory>> scorers;
    private final Map<String, Registered<SelectorFactory>> selectors;
    private final Map<String, Registered<TokenScorerFactory>> tokenScorers;
    private final Map<String, Registered<TokenSelectorFactory>> tokenSelectors;
    private final List<BrokenProvider> broken;

    /** A factory as a provider offered it, checked once so that later reads need no guarding. */
    private record Offer<T>(String name, String description, T factory) { }

    /** A provider that loaded, with where it came from. */
    private record Loaded(String name, String source, List<Offer<ScorerFactory>> scorers, List<Offer<SelectorFactory>> selectors,
                          List<Offer<TokenScorerFactory>> tokenScorers, List<Offer<TokenSelectorFactory>> tokenSelectors) { }

    private StrategyRegistry(Map<String, Registered<ScorerFactory>> scorers, Map<String, Registered<SelectorFactory>> selectors,
            Map<String, Registered<TokenScorerFactory>> tokenScorers, Map<String, Registered<TokenSelectorFactory>> tokenSelectors,
            List<BrokenProvider> broken) {
        this.scorers = scorers;
        this.selectors = selectors;
        this.tokenScorers = tokenScorers;
        this.tokenSelectors = tokenSelectors;
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

        Map<String, Registered<ScorerFactory>> scorerOrigins = origins("scorer", loaded, Loaded::scorers);
        Map<String, Registered<SelectorFactory>> selectorOrigins = origins("selector", loaded, Loaded::selectors);
        Map<String, Registered<TokenScorerFactory>> tokenScorerOrigins = origins("token scorer", loaded, Loaded::tokenScorers);
        Map<String, Registered<TokenSelectorFactory>> tokenSelectorOrigins = origins("token selector", loaded, Loaded::tokenSelectors);
        List<Module> modules = new ArrayList<>();
        modules.add(new StrategyModule(List.of(), List.of(), List.of(), List.of()));
        for (Loaded provider : loaded) {
            modules.add(new StrategyModule(factories(provider.scorers()), factories(provider.selectors()),
                    factories(provider.tokenScorers()), factories(provider.tokenSelectors())));
        }
        Injector injector = Guice.createInjector(modules);
        return new StrategyRegistry(
                registered(injector.getInstance(SCORERS), scorerOrigins),
                registered(injector.getInstance(SELECTORS), selectorOrigins),
                registered(injector.getInstance(TOKEN_SCORERS), tokenScorerOrigins),
                registered(injector.getInstance(TOKEN_SELECTORS), tokenSelectorOrigins),
                broken);
    }

    /** The scorer factory called {@code name}; fails listing the names there are. */
    public ScorerFactory scorer(String name) {
        return find("scorer", scorers, name, broken).factory();
    }

    /** The selector factory called {@code name}; fails listing the names there are. */
    public SelectorFactory selector(String name) {
        return find("selector", selectors, name, broken).factory();
    }

    /** The token scorer factory called {@code name}; fails listing the names there are. */
    public TokenScorerFactory tokenScorer(String name) {
        return find("token scorer", tokenScorers, name, broken).factory();
    }

    /** The token selector factory called {@code name}; fails listing the names there are. */
    public TokenSelectorFactory tokenSelector(String name) {
        return find("token selector", tokenSelectors, name, broken).factory();
    }

    /** Every token scorer, sorted by name. */
    public List<Registered<TokenScorerFactory>> tokenScorers() {
        return List.copyOf(tokenScorers.values());
    }

    /** Every token selector, sorted by name. */
    public List<Registered<TokenSelectorFactory>> tokenSelectors() {
        return List.copyOf(tokenSelectors.values());
    }

    /** Every scorer, sorted by name. */
    public List<Registered<ScorerFactory>> scorers() {
        return List.copyOf(scorers.values());
    }

    /** Every selector, sorted by name. */
    public List<Registered<SelectorFactory>> selectors() {
        return List.copyOf(selectors.values());
    }

    /** Providers that were listed but could not be used, in the order they were found. */
    public List<BrokenProvider> broken() {
        return broken;
    }

    /** Fails listing the names there are, and the broken plug-ins, since the one asked for may be among them. */
    private static <T> Registered<T> find(String kind, Map<String, Registered<T>> registered, String name, List<BrokenProvider> broken) {
        requireNonNull(name, kind + " name is null");
        Registered<T> found = registered.get(name);
        if (found == null) {
            StringBuilder brokenList = new StringBuilder();
            for (BrokenProvider provider : broken) {
                brokenList.append(brokenList.isEmpty() ? "; plug-ins that failed to load: " : "; ")
                        .append(provider.provider()).append(" from ").append(provider.source()).append(" (").append(provider.reason()).append(')');
            }
            throw new InvalidInputException("unknown " + kind + " '" + name + "': available: "
                    + (registered.isEmpty() ? "none" : String.join(", ", registered.keySet())) + brokenList);
        }
        return found;
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
            loaded.add(new Loaded(name, source,
                    offers("scorers()", provider.scorers(), ScorerFactory::name, ScorerFactory::description),
                    offers("selectors()", provider.selectors(), SelectorFactory::name, SelectorFactory::description),
                    offers("tokenScorers()", provider.tokenScorers(), TokenScorerFactory::name, TokenScorerFactory::description),
                    offers("tokenSelectors()", provider.tokenSelectors(), TokenSelectorFactory::name, TokenSelectorFactory::description)));
        } catch (ServiceConfigurationError | RuntimeException | LinkageError e) {
            broken.add(new BrokenProvider(type.getName(), source, reason(e)));
        }
    }

    private static <T> List<Offer<T>> offers(String method, List<T> factories, Function<T, String> name, Function<T, String> description) {
        if (factories == null || factories.stream().anyMatch(Objects::isNull)) {
            throw new IllegalStateException(method + " returned null or a null factory: expected a list of factories");
        }
        List<Offer<T>> offers = new ArrayList<>();
        for (T factory : factories) {
            Offer<T> offer = new Offer<>(name.apply(factory), description.apply(factory), factory);
            if (offer.name() == null || offer.name().isBlank() || offer.description() == null) {
                throw new IllegalStateException(method + " offered " + factory.getClass().getName()
                        + " without a name or description: expected both (e.g. 'weight-l1', a one-line summary)");
            }
            offers.add(offer);
        }
        return offers;
    }

    /**
     * Every factory of one kind, by name, with its provider and source (the factory itself comes
     * from the injector); fails naming both sources when a name is offered twice.
     */
    private static <T> Map<String, Registered<T>> origins(String kind, List<Loaded> loaded, Function<Loaded, List<Offer<T>>> offers) {
        Map<String, Registered<T>> origins = new TreeMap<>();
        for (Loaded provider : loaded) {
            for (Offer<T> offer : offers.apply(provider)) {
                Registered<T> first = origins.putIfAbsent(offer.name(),
                        new Registered<>(offer.name(), offer.description(), offer.factory(), provider.name(), provider.source()));
                if (first != null) {
                    throw new InvalidInputException(kind + " '" + offer.name() + "' is offered twice: by provider '" + first.provider()
                            + "' from " + first.source() + " and by provider '" + provider.name() + "' from " + provider.source()
                            + ": expected unique names; remove one of the two plug-ins from the class path");
                }
            }
        }
        return origins;
    }

    private static <T> List<T> factories(List<Offer<T>> offers) {
        return offers.stream().map(Offer::factory).toList();
    }

    /** The injected map, by name, with the description and origin of each entry. */
    private static <T> Map<String, Registered<T>> registered(Map<String, T> injected, Map<String, Registered<T>> origins) {
        Map<String, Registered<T>> registered = new TreeMap<>();
        injected.forEach((name, factory) -> {
            Registered<T> origin = origins.get(name);
            registered.put(name, new Registered<>(name, origin.description(), factory, origin.provider(), origin.source()));
        });
        return registered;
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
