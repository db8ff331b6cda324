package io.vitprune.cli;

import io.vitprune.experiments.DeployExperiment;
import io.vitprune.experiments.DynamicVitExperiment;
import io.vitprune.experiments.FinetuneExperiment;
import io.vitprune.experiments.LatencyExperiment;
import io.vitprune.experiments.PaperTableExperiment;
import io.vitprune.experiments.ScoringEstimatesExperiment;
import io.vitprune.experiments.TokensExperiment;
import io.vitprune.experiments.VtpExperiment;
import io.vitprune.experiments.VtpLambdaSearch;
import picocli.CommandLine.Command;

/** Experiments: long, resumable jobs whose tables go to target/results (publishing is an explicit --out docs/results/...: scripts/results.sh). */
@Command(name = "experiment", description = "Run a resumable experiment and write its table (CSV + markdown).",
        subcommands = {FinetuneExperiment.class, PaperTableExperiment.class, VtpExperiment.class, VtpLambdaSearch.class,
                DynamicVitExperiment.class, DeployExperiment.class, ScoringEstimatesExperiment.class, TokensExperiment.class,
                LatencyExperiment.class})
final class ExperimentCommand {
}
