package io.vitprune.cli;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.io.AtomicFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes the benchmark report (markdown and PNG) from the JSON that {@code benchmarks.jar -rf json}
 * wrote: see {@link BenchReport}. Both files are written under temporary names and renamed, the
 * PNG first, so a failed report leaves nothing half-written.
 */
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

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(json)) {
            throw new InvalidInputException("JMH results " + json + ": no such file (expected the file written by java -jar benchmarks.jar -rf json -rff FILE)");
        }
        JmhResults results = JmhResults.read(json);
        ScoringReport scoring = ScoringReport.of(results);
        boolean forward = !results.named(BenchReport.FORWARD_UNPRUNED).isEmpty() || !results.named(BenchReport.FORWARD_PRUNED).isEmpty();
        Path png = plot != null ? plot : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".png");
        String reportCommand = "java -jar cli/target/vitprune.jar bench-report --jmh-json " + json + " --out " + out + (forward ? " --plot " + png : "");
        String markdown;
        if (forward || scoring == null) {
            BenchReport report = new BenchReport(results);
            String plotLink = out.toAbsolutePath().getParent().relativize(png.toAbsolutePath()).toString().replace('\\', '/');
            markdown = report.markdown(plotLink, reportCommand, runCommand, cpuModel(), Runtime.getRuntime().availableProcessors());
            AtomicFiles.write(png, stream -> BitmapEncoder.saveBitmap(report.chart(), stream, BitmapEncoder.BitmapFormat.PNG));
            System.out.println("wrote " + png + " (" + report.groups.size() + " model x batch groups)");
        } else {
            markdown = BenchReport.header(results, "Scoring cost", reportCommand, runCommand, cpuModel(), Runtime.getRuntime().availableProcessors());
        }
        AtomicFiles.writeString(out, scoring == null ? markdown : markdown + scoring.markdown());
        System.out.println("wrote " + out);
        return 0;
    }

    /** The CPU's model name from /proc/cpuinfo (Linux), else what the JVM says, with the operating system. */
    static String cpuModel() {
        return cpuName() + " (" + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", " + System.getProperty("os.arch") + ")";
    }

    private static String cpuName() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(line -> line.startsWith("model name"))
                    .map(line -> line.substring(line.indexOf(':') + 1).trim())
                    .findFirst().orElse(System.getProperty("os.arch") + " CPU (model unknown)");
        } catch (java.io.IOException | RuntimeException e) {
            return System.getProperty("os.arch") + " CPU (model unknown)";
        }
    }
}
