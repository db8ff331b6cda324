package io.vitprune.experiments;

import java.util.Set;
import picocli.CommandLine.Model.CommandSpec;

/** The command line that is running, for reports that must name the command that produced them. */
public final class Invocation {
    private Invocation() {
    }

    public static String of(CommandSpec spec) {
        return of(spec, Set.of());
    }

    /** The command line without the flags in {@code left out} (options that change what runs, not what a report holds). */
    public static String of(CommandSpec spec, Set<String> leftOut) {
        StringBuilder command = new StringBuilder("java -jar cli/target/vitprune.jar");
        for (String arg : spec.root().commandLine().getParseResult().originalArgs()) {
            if (leftOut.contains(arg)) {
                continue;
            }
            command.append(' ').append(arg.matches("[\\w./:=,+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return command.toString();
    }
}
