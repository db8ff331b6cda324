package io.vitprune.api;

import java.util.Optional;

/**
 * Where a long-running scorer keeps partial results, so that a killed job run again resumes
 * instead of starting over. The host scopes one store to one job (model, scorer and its settings,
 * unit kind, scoring data, batch size): a scorer reads back only what a run of the same job wrote,
 * under names of its own choosing. The scorer still checks that what it reads fits.
 *
 * <p>Failures to read or write are {@link java.io.UncheckedIOException}s naming the file.
 */
public interface ScoringCheckpoints {
    /** Keeps nothing: every run starts from the beginning. */
    ScoringCheckpoints NONE = new ScoringCheckpoints() {
        @Override
        public Optional<byte[]> read(String name) {
            return Optional.empty();
        }

        @Override
        public void write(String name, byte[] content) {
        }
    };

    /** What the last {@link #write} under {@code name} stored, if any. */
    Optional<byte[]> read(String name);

    /** Replaces what is stored under {@code name} as a whole: a crash leaves the old or the new content, never a mix. */
    void write(String name, byte[] content);
}
