package io.vitprune.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** vitprune's version, from the resource Maven fills in at build time. */
final class Version {
    private static final String CURRENT = read();

    private Version() {
    }

    static String current() {
        return CURRENT;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read vitprune's version.properties", e);
        }
    }
}
