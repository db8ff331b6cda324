package io.vitprune.cli;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.EngineDefaults;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The {@code vitprune} command line. */
@Command(name = "vitprune", mixinStandardHelpOptions = true, version = "vitprune 0.1.0",
        description = "Prune Vision Transformers: score units, select, remove them physically, measure.",
        subcommands = {StrategiesCommand.class, InfoCommand.class, PruneCommand.class, EvalCommand.class,
                TrainCommand.class, FinetuneCommand.class, SampleCommand.class, DemoCommand.class, PlotHistoryCommand.class,
                ModelCardCommand.class, ExperimentCommand.class, TrainTokensCommand.class, TokenPictureCommand.class})
public final class Main {
    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        EngineDefaults.apply();
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((error, cmd, parsed) -> {
            boolean verbose = parsed.matchedOption("--verbose") != null;
            Throwable cause = error;
            if (verbose || !(cause instanceof InvalidInputException || cause instanceof java.io.IOException)) {
                error.printStackTrace(cmd.getErr());
            }
            cmd.getErr().println("error: " + error.getMessage());
            return 1;
        });
        return commandLine.execute(args);
    }
}
