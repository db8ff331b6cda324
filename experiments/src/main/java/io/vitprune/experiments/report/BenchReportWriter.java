package io.vitprune.experiments.report;

import io.vitprune.api.InvalidInputException;
import io.vitprune.core.Machine;
import io.vitprune.core.io.AtomicFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.knowm.xchart.BitmapEncoder;

/**
 * Writes the benchmark report from the JSON that {@code benchmarks.jar -rf json} wrote: the forward
 * section with its PNG ({@link BenchReport}), the runtime section ({@link RuntimeReport}, with its
 * PNG when the run has no forward results), the token ({@link TokenReport}) and scoring
 * ({@link ScoringReport}) sections, and optionally the README's quoted rows. Every file is written
 * under a temporary name and renamed, the PNG first, so a failed report leaves nothing half-written.
 */
public final class BenchReportWriter {
    public static final String README_BEGIN = "<!-- bench-report: begin -->";
    public static final String README_END = "<!-- bench-report: end -->";

    private BenchReportWriter() {
    }

    /**
     * Reads {@code json}; writes {@code out} (markdown), {@code plot} (PNG; null: beside {@code out}) when
     * the results hold forward or runtime benchmarks, and the 50% rows between the markers of {@code readme} when given.
     */
    public static void write(Path json, Path out, Path plot, String runCommand, Path readme, PrintStream log) throws IOException {
        if (!Files.isRegularFile(json)) {
            throw new InvalidInputException("JMH results " + json + ": no such file (expected the file written by java -jar benchmarks.jar -rf json -rff FILE)");
        }
        JmhResults results = JmhResults.read(json);
        ScoringReport scoring = ScoringReport.of(results);
        TokenReport tokens = TokenReport.of(results);
        RuntimeReport runtimes = RuntimeReport.of(results);
        boolean forward = !results.named(BenchReport.FORWARD_UNPRUNED).isEmpty() || !results.named(BenchReport.FORWARD_PRUNED).isEmpty();
        Path png = plot != null ? plot : out.resolveSibling(out.getFileName().toString().replaceFirst("\\.md$", "") + ".png");
        String plotLink = out.toAbsolutePath().getParent().relativize(png.toAbsolutePath()).toString().replace('\\', '/');
        String reportCommand = "java -jar cli/target/vitprune.jar bench-report --jmh-json " + json + " --out " + out
                + (forward || runtimes != null ? " --plot " + png : "") + (readme != null ? " --readme " + readme : "");
        String markdown;
        String quotingReadme = null;
        if (forward || (scoring == null && tokens == null && runtimes == null)) {
            BenchReport report = new BenchReport(results);
            markdown = report.markdown(plotLink, reportCommand, runCommand, cpuModel(), Runtime.getRuntime().availableProcessors());
            quotingReadme = readme == null ? null : quotedIn(readme, report.quote(0.5, out.toString().replace('\\', '/'), cpuModel()));
            AtomicFiles.write(png, stream -> BitmapEncoder.saveBitmap(report.chart(), stream, BitmapEncoder.BitmapFormat.PNG));
            log.println("wrote " + png + " (" + report.groups.size() + " model x batch groups)");
        } else {
            if (readme != null) {
                throw new InvalidInputException("--readme " + readme + ": JMH results " + json + " hold no ForwardBenchmark results to quote");
            }
            String title = runtimes != null ? "Inference latency per runtime: libtorch and ONNX Runtime"
                    : scoring != null ? "Scoring cost" : "Token pruning cost";
            markdown = BenchReport.header(results, title, reportCommand, runCommand, cpuModel(), Runtime.getRuntime().availableProcessors());
            if (runtimes != null) {
                AtomicFiles.write(png, stream -> BitmapEncoder.saveBitmap(runtimes.chart(), stream, BitmapEncoder.BitmapFormat.PNG));
                log.println("wrote " + png + " (" + runtimes.byGroup().size() + " model x batch groups on every runtime)");
            }
        }
        // With forward results the PNG is the forward section's: the runtime section then goes without a plot.
        String runtimeSection = runtimes == null ? "" : runtimes.markdown(forward ? null : plotLink);
        AtomicFiles.writeString(out, markdown + runtimeSection + (tokens == null ? "" : tokens.markdown()) + (scoring == null ? "" : scoring.markdown()));
        log.println("wrote " + out);
        if (quotingReadme != null) {
            AtomicFiles.writeString(readme, quotingReadme);
            log.println("wrote the 50% rows into " + readme);
        }
    }

    /** The README's text with what lies between its two markers replaced by {@code quote}. */
    private static String quotedIn(Path readme, String quote) throws IOException {
        String text = Files.isRegularFile(readme) ? Files.readString(readme) : "";
        int begin = text.indexOf(README_BEGIN);
        int end = text.indexOf(README_END);
        if (begin < 0 || end < begin) {
            throw new InvalidInputException("--readme " + readme + ": expected a line " + README_BEGIN + " followed by a line " + README_END
                    + ", the region the benchmark rows are written into");
        }
        return text.substring(0, begin + README_BEGIN.length()) + "\n" + quote + text.substring(end);
    }

    /** The CPU's model name with the operating system. */
    private static String cpuModel() {
        return Machine.cpuModel() + " (" + System.getProperty("os.name") + " " + System.getProperty("os.version") + ", " + System.getProperty("os.arch") + ")";
    }
}
