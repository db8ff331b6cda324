package io.vitprune.api;

import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/** Named settings of a scorer or selector, e.g. {@code min-kept=4}, as strings with typed reads. */
public record StrategySettings(Map<String, String> values) {
    public static final StrategySettings EMPTY = new StrategySettings(Map.of());

    public StrategySettings {
        values = Map.copyOf(values);
    }

    public static StrategySettings of(String... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("expected key, value pairs");
        }
        Map<String, String> map = new TreeMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return new StrategySettings(map);
    }

    /** Fails naming the first setting the strategy does not know, and those it does. */
    public void requireKnown(String strategy, Set<String> known) {
        for (String key : new TreeMap<>(values).keySet()) {
            if (!known.contains(key)) {
                throw new InvalidInputException("setting '" + key + "' of '" + strategy + "': unknown, expected one of " + new java.util.TreeSet<>(known));
            }
        }
    }

    public String string(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public double number(String key, double fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("setting '" + key + "' = '" + value + "': expected a number");
        }
    }

    public int integer(String key, int fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new InvalidInputException("setting '" + key + "' = '" + value + "': expected an integer");
        }
    }

    public boolean flag(String key, boolean fallback) {
        String value = values.get(key);
        if (value == null) {
            return fallback;
        }
        if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
            throw new InvalidInputException("setting '" + key + "' = '" + value + "': expected true or false");
        }
        return Boolean.parseBoolean(value);
    }

    public StrategySettings with(String key, String value) {
        Map<String, String> map = new TreeMap<>(values);
        map.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return new StrategySettings(map);
    }
}
