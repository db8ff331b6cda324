package io.vitprune.api;

/** Receives progress of long work (scoring, training). Implementations must be cheap. */
@FunctionalInterface
public interface ProgressListener {
    ProgressListener NONE = (task, done, total) -> { };

    void progress(String task, long done, long total);
}
