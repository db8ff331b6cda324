package io.vitprune.cli;

import picocli.CommandLine.Command;

/** Experiments: long, resumable jobs whose tables go to docs/results. */
@Command(name = "experiment", description = "Run a resumable experiment and write its table (CSV + markdown).",
        subcommands = {FinetuneExperiment.class, PaperTableExperiment.class, VtpExperiment.class, VtpLambdaSearch.class,
                DynamicVitExperiment.class})
final class ExperimentCommand {
}
