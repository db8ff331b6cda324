package io.vitprune.core;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.vitprune.core.registry.StrategyRegistry;

/**
 * The application's wiring (Guice): one {@link StrategyRegistry} per injector, so that the class path
 * is scanned for plug-ins once and every command and experiment that injects it sees the same
 * strategies and the same broken plug-ins and clashes.
 */
public final class VitpruneModule extends AbstractModule {
    @Provides
    @Singleton
    StrategyRegistry registry() {
        return StrategyRegistry.load();
    }
}
