package io.vitprune.core.train;

import io.vitprune.api.ProgressListener;
import java.io.PrintStream;
import java.text.DecimalFormat;
import java.time.Duration;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of long work with elapsed time, ETA and rate, rendered by me.tongfei's progressbar. On
 * a terminal the line redraws in place; elsewhere (a log file, CI) a whole line is printed every
 * {@code interval}, so that logs stay readable. The line ends when the work is done, and a later
 * update (the next phase of the same work) starts a new one. As a {@link ProgressListener} it
 * shows the listener's task as the detail.
 */
public final class ProgressBar implements ProgressListener, AutoCloseable {
    private static final int LOG_LINE_LENGTH = 120;

    private final PrintStream out;
    private final String task;
    private final boolean interactive;
    private final Duration interval;
    private long total;
    private me.tongfei.progressbar.ProgressBar bar;

    public ProgressBar(PrintStream out, String task, long total) {
        this(out, task, total, System.console() != null, Duration.ofSeconds(30));
    }

    public ProgressBar(PrintStream out, String task, long total, boolean interactive, Duration interval) {
        this.out = out;
        this.task = task;
        this.total = total;
        this.interactive = interactive;
        this.interval = interactive ? Duration.ofMillis(250) : interval;
    }

    /** Reports {@code done} of the total units; {@code detail} is appended (e.g. loss and accuracy). */
    public void update(long done, String detail) {
        update(done, total, detail);
    }

    /** Reports {@code done} of {@code total} units, for work whose total is known only as it runs. */
    public synchronized void update(long done, long total, String detail) {
        this.total = total;
        if (bar == null) {
            bar = start();
        }
        bar.maxHint(total).stepTo(done).setExtraMessage(" " + detail);
        if (done >= total) {
            close();
        }
    }

    @Override
    public void progress(String detail, long done, long total) {
        update(done, total, detail);
    }

    /** Ends the current line, if any (idempotent). */
    @Override
    public synchronized void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }

    private me.tongfei.progressbar.ProgressBar start() {
        ProgressBarConsumer consumer = interactive ? new ConsoleProgressBarConsumer(out) : new DelegatingProgressBarConsumer(new LogLines(out), LOG_LINE_LENGTH);
        return new ProgressBarBuilder().setTaskName(task).setInitialMax(total).setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis((int) interval.toMillis()).showSpeed(new DecimalFormat("0.0")).setConsumer(consumer).build();
    }

    /** Prints each rendered line once: closing re-renders the last one. */
    private static final class LogLines implements Consumer<String> {
        private final PrintStream out;
        private String last;

        LogLines(PrintStream out) {
            this.out = out;
        }

        @Override
        public void accept(String line) {
            if (!line.equals(last)) {
                out.println(line);
                out.flush();
                last = line;
            }
        }
    }
}
