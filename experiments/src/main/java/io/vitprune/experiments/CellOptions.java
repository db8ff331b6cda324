package io.vitprune.experiments;

import io.vitprune.core.data.Cifar10;
import io.vitprune.core.io.ModelStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The inputs and options that change an experiment cell's numbers, as one CSV cell
 * ({@code name=value;...}): models and data by the first 12 hex digits of their SHA-256, so that
 * the cell stays short and still tells two inputs apart.
 */
final class CellOptions {
    private final Map<String, String> values = new LinkedHashMap<>();

    /**
     * Every option of {@code spec} but {@code excluded} and those inherited from the top command (help, verbosity) (those that choose which cells run or where
     * files go, inputs that {@link #model} or {@link #data} identify, and any that change speed
     * only), with its value: an option added later joins the key by itself, so that it can never
     * mix cells unnoticed.
     */
    CellOptions command(CommandSpec spec, Set<String> excluded) {
        for (OptionSpec option : spec.options()) {
            String name = option.longestName();
            if (!option.inherited() && !option.usageHelp() && !option.versionHelp() && !excluded.contains(name)) {
                Object value = option.getValue();
                put(name.replaceFirst("^--", ""), value instanceof Collection<?> values
                        ? values.stream().map(String::valueOf).collect(Collectors.joining("+")) : value == null ? "none" : value);
            }
        }
        return this;
    }

    CellOptions model(String name, Path model) {
        return put(name, shortSha256(ModelStore.identity(model)));
    }

    CellOptions data(String name, Cifar10 images) {
        return put(name, images.identity().substring(0, 12));
    }

    CellOptions put(String name, Object value) {
        String text = String.valueOf(value);
        if (text.matches(".*[,;=\\s].*")) {
            throw new IllegalArgumentException("option value '" + text + "' of " + name + " holds a separator");
        }
        values.put(name, text);
        return this;
    }

    /** The options as the CSV cell records them. */
    @Override
    public String toString() {
        return values.entrySet().stream().map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining(";"));
    }

    private static String shortSha256(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest).substring(0, 12);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
