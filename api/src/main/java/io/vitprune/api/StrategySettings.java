package io.vitprune.api;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/** Named settings of a strategy, e.g. {@code min-kept=4}, as strings; read them through the strategy's {@link SettingSpec}s. */
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

    /**
     * Fails naming the first setting {@code strategy} does not declare (listing those it does), or the
     * first value its spec refuses. Hosts call this before a strategy is made.
     */
    public void check(String strategy, List<SettingSpec> specs) {
        Map<String, SettingSpec> byName = new TreeMap<>();
        specs.forEach(spec -> byName.put(spec.name(), spec));
        for (Map.Entry<String, String> setting : new TreeMap<>(values).entrySet()) {
            SettingSpec spec = byName.get(setting.getKey());
            if (spec == null) {
                throw new InvalidInputException("setting '" + setting.getKey() + "' of '" + strategy + "': unknown, expected one of "
                        + (byName.isEmpty() ? "none (it takes no settings)" : byName.keySet()));
            }
            spec.check(strategy, setting.getValue());
        }
    }

    public StrategySettings with(String key, String value) {
        Map<String, String> map = new TreeMap<>(values);
        map.put(Objects.requireNonNull(key), Objects.requireNonNull(value));
        return new StrategySettings(map);
    }
}
