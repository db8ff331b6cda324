package io.vitprune.cli;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.experiments.InjectingFactory;
import io.vitprune.experiments.TrainTokensCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** The {@code vitprune} command line. */
@Command(name = "vitprune", mixinStandardHelpOptions = true, version = "vitprune 0.1.0", scope = CommandLine.ScopeType.INHERIT, showDefaultValues = true,
        description = "Prune Vision Transformers: score units, select, remove them physically, measure.",
        subcommands = {StrategiesCommand.class, InfoCommand.class, PruneCommand.class, EvalCommand.class,
                TrainCommand.class, FinetuneCommand.class, SampleCommand.class, DemoCommand.class, PlotHistoryCommand.class,
                ModelCardCommand.class, ExperimentCommand.class, BenchReportCommand.class, TrainTokensCommand.class,
                TokenPictureCommand.class, ExportCommand.class, ImportCommand.class, CalibrateCommand.class})
public final class Main {
    @Option(names = "--verbose", description = "Print stack traces of errors.", scope = CommandLine.ScopeType.INHERIT)
    boolean verbose;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns the exit code (tests call this). */
    public static int run(String... args) {
        EngineDefaults.apply();
        CommandLine commandLine = new CommandLine(new Main(), InjectingFactory.create()).setCaseInsensitiveEnumValuesAllowed(true);
        boolean verbose = java.util.Arrays.asList(args).contains("--verbose");
        commandLine.setExecutionExceptionHandler((error, cmd, parsed) -> {
            report(error, verbose, cmd.getErr());
            return 1;
        });
        return commandLine.execute(args);
    }

    /**
     * One line on standard error, {@code error: <message>}; the stack trace only with {@code --verbose}.
     * Bad input (an {@link InvalidInputException}, a file that cannot be read or written) is the
     * user's to fix; anything else is a bug here or in a plug-in, and the line says so.
     */
    static void report(Throwable error, boolean verbose, java.io.PrintWriter err) {
        Throwable cause = error instanceof java.io.UncheckedIOException unchecked ? unchecked.getCause() : error;
        if (verbose) {
            error.printStackTrace(err);
        }
        if (cause instanceof InvalidInputException) {
            err.println("error: " + cause.getMessage());
        } else if (cause instanceof java.io.IOException io) {
            err.println("error: " + AtomicFiles.describe(io));
        } else {
            err.println("error: " + cause + (verbose ? "" : " (unexpected: rerun with --verbose for the stack trace)"));
        }
        err.flush();
    }
}
