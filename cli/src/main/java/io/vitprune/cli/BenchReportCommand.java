package io.vitprune.cli;

import io.vitprune.core.io.OutputGuard;
import io.vitprune.experiments.report.BenchReportWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** The benchmark report from the JSON of a JMH run: see {@link BenchReportWriter}. */
@Command(name = "bench-report", description = "Turn JMH results (-rf json) of ForwardBenchmark and GemmBenchmark into a markdown report and a PNG "
        + "plot, and of ScoringBenchmark into a scoring-cost section.")
final class BenchReportCommand implements Callable<Integer> {
    @Option(names = "--jmh-json", required = true, description = "JMH results file (java -jar bench-jmh/target/benchmarks.jar ... -rf json -rff FILE).")
    Path json;

    @Option(names = "--out", required = true, description = "Markdown file to write, e.g. docs/benchmarks.md.")
    Path out;

    @Option(names = "--plot", description = "PNG to write (default: the markdown's name with .png).")
    Path plot;

    @Option(names = "--run-command", description = "The command that produced the results, quoted in the report.")
    String runCommand;

    @Option(names = "--readme", description = "Also rewrite the region between " + BenchReportWriter.README_BEGIN + " and "
            + BenchReportWriter.README_END + " of this file (the README) with the 50%% rows of the forward report.")
    Path readme;

    @Override
    public Integer call() throws Exception {
        // --readme is rewritten in place (its marked region only): an output that must not overlap the others.
        OutputGuard.check().input("--jmh-json", json).file("--out", out).file("--plot", plot).file("--readme", readme).verify();
        BenchReportWriter.write(json, out, plot, runCommand, readme, System.out);
        return 0;
    }
}
