package io.vitprune.experiments;

import static java.util.Objects.requireNonNull;

import com.google.inject.ConfigurationException;
import com.google.inject.Guice;
import com.google.inject.Injector;
import io.vitprune.core.VitpruneModule;
import picocli.CommandLine;

/**
 * Makes picocli's command objects through Guice, so that commands and experiments get the
 * {@link io.vitprune.core.registry.StrategyRegistry} (and whatever else {@link VitpruneModule} binds)
 * injected; what Guice cannot make (picocli's own helpers) falls back to picocli's factory.
 */
public final class InjectingFactory implements CommandLine.IFactory {
    private final Injector injector;

    public InjectingFactory(Injector injector) {
        this.injector = requireNonNull(injector, "injector is null");
    }

    /** A factory over a fresh injector of {@link VitpruneModule}. */
    public static InjectingFactory create() {
        return new InjectingFactory(Guice.createInjector(new VitpruneModule()));
    }

    @Override
    public <K> K create(Class<K> type) throws Exception {
        try {
            return injector.getInstance(type);
        } catch (ConfigurationException e) {
            return CommandLine.defaultFactory().create(type);
        }
    }
}
