package io.vitprune.core.registry;

import static java.util.Objects.requireNonNull;

/**
 * A provider listed in a {@code META-INF/services} file that could not be used: its class is
 * missing or incompatible, its constructor threw, or listing its factories failed. {@code provider}
 * is the class name ("unknown" when the error does not say), {@code source} its jar or directory.
 */
public record BrokenProvider(String provider, String source, String reason) {
    public BrokenProvider {
        requireNonNull(provider, "provider is null");
        requireNonNull(source, "source is null");
        requireNonNull(reason, "reason is null");
    }
}
