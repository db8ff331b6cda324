package io.vitprune.api;

import static java.util.Objects.requireNonNull;

import java.util.List;
import java.util.Locale;

/**
 * One setting a strategy accepts, declared once: its name, the values it takes, its default and what
 * it means. The host checks every given value against the strategy's specs before the strategy is
 * made ({@link StrategySettings#check}), {@code strategies --verbose} lists them, and the strategy
 * reads its values through them ({@link #number}, ...), so a default is written in one place.
 *
 * @param defaultValue the value when the setting is not given; null when the strategy decides (the
 *     description says how, e.g. "follows the selector")
 * @param choices the accepted values of a {@link Type#CHOICE}; empty otherwise
 */
public record SettingSpec(String name, Type type, String defaultValue, String description, List<String> choices) {
    /** What values a setting takes. */
    public enum Type { INTEGER, NUMBER, FLAG, CHOICE, TEXT }

    public SettingSpec {
        requireNonNull(name, "name is null");
        requireNonNull(type, "type is null");
        requireNonNull(description, "description is null");
        choices = List.copyOf(choices);
        if ((type == Type.CHOICE) == choices.isEmpty()) {
            throw new IllegalArgumentException("setting '" + name + "': a choice needs its values, other types have none");
        }
        if (defaultValue != null && !accepts(type, choices, defaultValue)) {
            throw new IllegalArgumentException("setting '" + name + "': default '" + defaultValue + "' is not a valid " + type);
        }
    }

    public static SettingSpec integer(String name, Integer defaultValue, String description) {
        return new SettingSpec(name, Type.INTEGER, defaultValue == null ? null : defaultValue.toString(), description, List.of());
    }

    public static SettingSpec number(String name, Double defaultValue, String description) {
        return new SettingSpec(name, Type.NUMBER, defaultValue == null ? null : defaultValue.toString(), description, List.of());
    }

    public static SettingSpec flag(String name, boolean defaultValue, String description) {
        return new SettingSpec(name, Type.FLAG, Boolean.toString(defaultValue), description, List.of());
    }

    public static SettingSpec choice(String name, String defaultValue, String description, String... choices) {
        return new SettingSpec(name, Type.CHOICE, defaultValue, description, List.of(choices));
    }

    public static SettingSpec text(String name, String defaultValue, String description) {
        return new SettingSpec(name, Type.TEXT, defaultValue, description, List.of());
    }

    /** Fails naming the strategy, the setting, the value and what this setting expects. */
    public void check(String strategy, String value) {
        requireNonNull(value, "value is null");
        if (!accepts(type, choices, value)) {
            throw new InvalidInputException("setting '" + name + "' = '" + value + "' of '" + strategy + "': expected " + expected());
        }
    }

    /** The given value, else the default; null when neither is there. */
    public String string(StrategySettings settings) {
        return settings.values().getOrDefault(name, defaultValue);
    }

    public int integer(StrategySettings settings) {
        return Integer.parseInt(required(settings));
    }

    public double number(StrategySettings settings) {
        return Double.parseDouble(required(settings));
    }

    public boolean flag(StrategySettings settings) {
        return Boolean.parseBoolean(required(settings).toLowerCase(Locale.ROOT));
    }

    /** One line for listings: {@code alpha (number, default 1.0): weight of the KL term}. */
    public String describe() {
        String values = type == Type.CHOICE ? String.join("|", choices) : type.name().toLowerCase(Locale.ROOT);
        return name + " (" + values + (defaultValue == null ? "" : ", default " + defaultValue) + "): " + description;
    }

    private String required(StrategySettings settings) {
        String value = string(settings);
        if (value == null) {
            throw new IllegalStateException("setting '" + name + "' has no value and no default: read it with string() and decide");
        }
        check("a strategy", value);
        return value;
    }

    private String expected() {
        return switch (type) {
            case INTEGER -> "an integer";
            case NUMBER -> "a finite number";
            case FLAG -> "true or false";
            case CHOICE -> choices.size() == 2 ? choices.get(0) + " or " + choices.get(1) : "one of " + String.join(", ", choices);
            case TEXT -> "text";
        };
    }

    /** Static, so that the compact constructor can check the default before the fields are set. */
    private static boolean accepts(Type type, List<String> choices, String value) {
        return switch (type) {
            case INTEGER -> parses(() -> Integer.parseInt(value));
            case NUMBER -> parses(() -> Double.parseDouble(value)) && Double.isFinite(Double.parseDouble(value));
            case FLAG -> value.equalsIgnoreCase("true") || value.equalsIgnoreCase("false");
            case CHOICE -> choices.contains(value);
            case TEXT -> true;
        };
    }

    private static boolean parses(Runnable parse) {
        try {
            parse.run();
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
