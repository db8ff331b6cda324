package io.vitprune.core.train;

import java.io.PrintStream;
import java.time.Duration;

/**
 * A one-line progress report with rate and ETA. On a terminal it redraws in place; otherwise (a
 * log file, CI) it prints a line every {@code interval}, so that logs stay readable.
 */
public final class ProgressBar {
    private final PrintStream out;
    private final String task;
    private final long total;
    private final boolean interactive;
    private final long intervalNanos;
    private final long start = System.nanoTime();
    private long lastPrint;

    public ProgressBar(PrintStream out, String task, long total) {
        this(out, task, total, System.console() != null, Duration.ofSeconds(30));
    }

    public ProgressBar(PrintStream out, String task, long total, boolean interactive, Duration interval) {
        this.out = out;
        this.task = task;
        this.total = total;
        this.interactive = interactive;
        this.intervalNanos = interactive ? Duration.ofMillis(250).toNanos() : interval.toNanos();
        this.lastPrint = start;
    }

    /** Reports {@code done} of the total units; {@code detail} is appended (e.g. loss and accuracy). */
    public void update(long done, String detail) {
        update(done, total, detail);
    }

    /** Reports {@code done} of {@code total} units, for work whose total is known only as it runs. */
    public void update(long done, long total, String detail) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < intervalNanos) {
            return;
        }
        lastPrint = now;
        double seconds = (now - start) / 1e9;
        double rate = done / Math.max(seconds, 1e-9);
        long etaSeconds = rate > 0 ? (long) ((total - done) / rate) : 0;
        int width = 24;
        int filled = (int) Math.min(width, width * done / Math.max(1, total));
        String line = String.format("%s [%s%s] %d/%d %.1f/s ETA %s %s", task, "=".repeat(filled), " ".repeat(width - filled),
                done, total, rate, format(etaSeconds), detail);
        if (interactive) {
            out.print("\r" + line + (done >= total ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    static String format(long seconds) {
        return String.format("%d:%02d:%02d", seconds / 3600, seconds / 60 % 60, seconds % 60);
    }
}
