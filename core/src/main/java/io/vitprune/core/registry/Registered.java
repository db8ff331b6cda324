package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

/**
 * A scorer or selector factory found on the class path, with where it came from: the name of the
 * provider that offered it and the jar or directory that provider's class was loaded from.
 */
public record Registered<T>(String name, String description, T factory, String provider, String source) {
    public Registered {
        requireNonNull(name, "name is null");
        requireNonNull(description, "description is null");
        requireNonNull(factory, "factory is null");
        requireNonNull(provider, "provider is null");
        requireNonNull(source, "source is null");
    }
}
