package io.vitprune.experiments;

import java.util.Locale;

/**
 * One model of the latency experiment: the unpruned model, a latency-selected model (a budget, a
 * fraction of the unpruned latency, at the batch it was planned for) or a baseline (a selector and
 * the ratio of every kind it removes). Its key is the CSV row's first three cells.
 */
record LatencyCell(String selector, double target, int planBatch) {
    static final String NONE = "none";
    /** Directory names of latency-selected models in the work directory start with this. */
    static final String LATENCY_PREFIX = "latency-b";

    static LatencyCell unpruned() {
        return new LatencyCell(NONE, 0, 0);
    }

    static LatencyCell latency(double budget, int batch) {
        return new LatencyCell(LatencyPlanner.LATENCY, budget, batch);
    }

    static LatencyCell baseline(String selector, double ratio) {
        return new LatencyCell(selector, ratio, 0);
    }

    boolean isUnpruned() {
        return selector.equals(NONE);
    }

    boolean isLatency() {
        return selector.equals(LatencyPlanner.LATENCY);
    }

    String targetText() {
        return isUnpruned() ? LatencyExperiment.MISSING : String.format(Locale.ROOT, "%.2f", target);
    }

    String planBatchText() {
        return isLatency() ? String.valueOf(planBatch) : LatencyExperiment.MISSING;
    }

    Object[] key() {
        return new Object[] {selector, targetText(), planBatchText()};
    }

    /** Its folder in the work directory. */
    String directoryName() {
        return isLatency() ? LATENCY_PREFIX + planBatch + "-" + targetText() : selector + "-" + targetText();
    }

    @Override
    public String toString() {
        return isUnpruned() ? "unpruned" : isLatency() ? String.format(Locale.ROOT, "latency budget %.2f at batch %d", target, planBatch)
                : String.format(Locale.ROOT, "%s ratio %.2f", selector, target);
    }
}
