package io.vitprune.cli;

import io.vitprune.api.InvalidInputException;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;

/** Refuses options given together with one that makes them meaningless, instead of ignoring them silently. */
final class IgnoredOptions {
    private IgnoredOptions() {
    }

    /** Fails when {@code option} was given together with any of {@code ignored}; {@code why} says why they do not apply. */
    static void refuse(CommandSpec spec, String option, String why, String... ignored) {
        var parsed = spec.commandLine().getParseResult();
        if (!parsed.hasMatchedOption(option)) {
            return;
        }
        List<String> given = Arrays.stream(ignored).filter(parsed::hasMatchedOption).toList();
        if (!given.isEmpty()) {
            throw new InvalidInputException(String.join(", ", given) + " given with " + option + ", which " + why + ": expected "
                    + option + " alone, or " + String.join(", ", given) + " without " + option + " (nothing was done)");
        }
    }
}
