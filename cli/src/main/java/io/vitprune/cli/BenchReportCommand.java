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

    @Option(names = "--readme", description = "Also rewrite the region between " + README_BEGIN + " and " + README_END
            + " of this file (the README) with the 50%% rows of the forward report.")
    Path readme;

    static final String README_BEGIN = "<!-- bench-report: begin -->";
    static final String README_END = "<!-- bench-report: end -->";

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(json)) {
            throw new InvalidInputException("JMH results " + json + ": no such file (expected the file written by java -jar benchmarks.jar -rf json -rff FILE)");
        }
        JmhResults results = JmhResults.read(json);
        ScoringReport scoring = ScoringReport.of(results);
        TokenReport tokens = TokenReport.of(results);
        boolean forward = !results.named(BenchReport.FORWARD_UNPRUNED).isEmpty() || !results.named(BenchReport.FORWARD_PRUNED).isEmpty();
        Path png = plot != null ? plot : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".png");
        String reportCommand = "java -jar cli/target/vitprune.jar bench-report --jmh-json " + json + " --out " + out + (forward ? " --plot " + png : "") + (readme != null ? " --readme " + readme : "");
        String markdown;
        String quotingReadme = null;
        if (forward || (scoring == null && tokens == null)) {
            BenchReport report = new BenchReport(results);
            String plotLink = out.toAbsolutePath().getParent().relativize(png.toAbsolutePath()).toString().replace('\\', '/');
            markdown = report.markdown(plotLink, reportCommand, runCommand, cpuModel(), Runtime.getRuntime().availableProcessors());
            quotingReadme = readme == null ? null : quotedIn(readme, report.quote(0.5, out.toString().replace('\\', '/'), cpuModel()));
            AtomicFiles.write(png, stream -> BitmapEncoder.saveBitmap(report.chart(), stream, BitmapEncoder.BitmapFormat.PNG));
            System.out.println("wrote " + png + " (" + report.groups.size() + " model x batch groups)");
        } else {
            if (readme != null) {
                throw new InvalidInputException("--readme " + readme + ": JMH results " + json + " hold no ForwardBenchmark results to quote");
            }
            String title = scoring != null ? "Scoring cost" : "Token pruning cost";
            markdown = BenchReport.header(results, title, reportCommand, runCommand, cpuModel(), Runtime.getRuntime().availableProcessors());
        }
        AtomicFiles.writeString(out, markdown + (tokens == null ? "" : tokens.markdown()) + (scoring == null ? "" : scoring.markdown()));
        System.out.println("wrote " + out);
        if (quotingReadme != null) {
            AtomicFiles.writeString(readme, quotingReadme);
            System.out.println("wrote the 50% rows into " + readme);
        }
        return 0;
    }

    /** The README's text with what lies between its two markers replaced by {@code quote}. */
    private static String quotedIn(Path readme, String quote) throws java.io.IOException {
        String text = Files.isRegularFile(readme) ? Files.readString(readme) : "";
        int begin = text.indexOf(README_BEGIN);
        int end = text.indexOf(README_END);
        if (begin < 0 || end < begin) {
            throw new InvalidInputException("--readme " + readme + ": expected a line " + README_BEGIN + " followed by a line " + README_END
                    + ", the region the benchmark rows are written into");
        }
        return text.substring(0, begin + README_BEGIN.length()) + "\n" + quote + text.substring(end);
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
