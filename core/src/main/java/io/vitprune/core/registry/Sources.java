package io.vitprune.core.registry;

import io.vitprune.api.StrategyProvider;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemNotFoundException;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Where provider classes come from, as file paths users can recognise (the jar to remove or fix). */
final class Sources {
    static final String UNKNOWN = "unknown";
    static final String SERVICE_FILE = "META-INF/services/" + StrategyProvider.class.getName();

    private Sources() {
    }

    /** The jar or directory {@code type} was loaded from. */
    static String of(Class<?> type) {
        CodeSource code = type.getProtectionDomain().getCodeSource();
        return code == null || code.getLocation() == null ? UNKNOWN : path(code.getLocation());
    }

    /**
     * Every provider class name listed in a service file visible to {@code loader}, with the jar or
     * directory of the first file listing it (the one ServiceLoader uses). Needed because when a
     * listed class cannot be loaded, its error names the class but not where it was listed.
     */
    static Map<String, String> listed(ClassLoader loader) {
        Map<String, String> listed = new LinkedHashMap<>();
        try {
            for (URL file : Collections.list(loader.getResources(SERVICE_FILE))) {
                String root = root(file);
                try (BufferedReader reader = new BufferedReader(new InputStreamReader(file.openStream(), StandardCharsets.UTF_8))) {
                    reader.lines()
                            .map(line -> line.replaceFirst("#.*", "").trim())
                            .filter(name -> !name.isEmpty())
                            .forEach(name -> listed.putIfAbsent(name, root));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + SERVICE_FILE + " files: " + e.getMessage(), e);
        }
        return listed;
    }

    /** The listed class an error message names (also in internal form, a/b/C), or null. */
    static String named(String message, Map<String, String> listed) {
        if (message == null) {
            return null;
        }
        for (String token : message.replace('/', '.').split("[\\s:]+")) {
            if (listed.containsKey(token)) {
                return token;
            }
        }
        return null;
    }

    /** The jar (for jar:file:/x.jar!/META-INF/...) or class directory (for file:/dir/META-INF/...) of a service file. */
    private static String root(URL serviceFile) throws IOException {
        if ("jar".equals(serviceFile.getProtocol())) {
            return path(((JarURLConnection) serviceFile.openConnection()).getJarFileURL());
        }
        String text = serviceFile.toString();
        return text.endsWith(SERVICE_FILE) ? path(URI.create(text.substring(0, text.length() - SERVICE_FILE.length())).toURL()) : text;
    }

    private static String path(URL url) {
        try {
            return Path.of(url.toURI()).toString();
        } catch (URISyntaxException | IllegalArgumentException | FileSystemNotFoundException e) {
            return url.toString(); // not a local file (e.g. a remote class loader): the URL is the best name
        }
    }
}
