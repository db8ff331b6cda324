package io.vitprune.cli;

import picocli.CommandLine.Model.CommandSpec;

/** The command line that is running, for reports that must name the command that produced them. */
final class Invocation {
    private Invocation() {
    }

    static String of(CommandSpec spec) {
        StringBuilder command = new StringBuilder("java -jar cli/target/vitprune.jar");
        for (String arg : spec.root().commandLine().getParseResult().originalArgs()) {
            command.append(' ').append(arg.matches("[\\w./:=,+-]+") ? arg : "'" + arg.replace("'", "'\\''") + "'");
        }
        return command.toString();
    }
}
