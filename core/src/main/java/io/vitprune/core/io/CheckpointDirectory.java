package io.vitprune.core.io;

import io.vitprune.api.InvalidInputException;
import io.vitprune.api.ScoringCheckpoints;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@link ScoringCheckpoints} kept in a directory of their own and scoped to one job by a text that
 * describes it ({@value #JOB_FILE}): a run of another job in the same directory discards what the
 * old one kept instead of reading it. The directory appears on the first write, so scorers that keep
 * nothing leave nothing behind; every file is written atomically. The directory itself appears and
 * goes by a rename (made beside it as {@code NAME.claiming}, moved to {@code NAME.deleting} before it
 * is emptied), so a run killed at any moment leaves it whole with its job file or absent, and the
 * next open clears what such a run left beside it.
 */
public final class CheckpointDirectory implements ScoringCheckpoints {
    static final String JOB_FILE = "job.txt";
    static final String CLAIMING = "claiming";
    static final String DELETING = "deleting";
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9.-]*");

    private final Path directory;
    private final String job;
    private final boolean resumed;
    private boolean claimed;

    private CheckpointDirectory(Path directory, String job, boolean resumed) {
        this.directory = directory;
        this.job = job;
        this.resumed = resumed;
        this.claimed = resumed;
    }

    /**
     * The store in {@code directory} for {@code job}. A directory of this job is resumed; one of
     * another job is emptied; anything else that is not empty is refused, since it is not ours to delete.
     */
    public static CheckpointDirectory open(Path directory, String job) throws IOException {
        remove(beside(directory, CLAIMING));
        remove(beside(directory, DELETING));
        if (!Files.exists(directory)) {
            return new CheckpointDirectory(directory, job, false);
        }
        Path jobFile = directory.resolve(JOB_FILE);
        if (!Files.isDirectory(directory) || (!Files.isRegularFile(jobFile) && !isEmpty(directory))) {
            throw new InvalidInputException("scoring checkpoint directory " + directory
                    + ": expected a directory of partial scoring results (with " + JOB_FILE + ") or no file at all");
        }
        if (Files.isRegularFile(jobFile) && Files.readString(jobFile, StandardCharsets.UTF_8).equals(job)) {
            return new CheckpointDirectory(directory, job, true);
        }
        delete(directory);
        return new CheckpointDirectory(directory, job, false);
    }

    /** Whether this directory held partial results of the same job when it was opened. */
    public boolean resumed() {
        return resumed;
    }

    public Path directory() {
        return directory;
    }

    @Override
    public Optional<byte[]> read(String name) {
        Path file = file(name);
        try {
            return claimed && Files.exists(file) ? Optional.of(Files.readAllBytes(file)) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read scoring checkpoint " + file + ": " + AtomicFiles.describe(e), e);
        }
    }

    @Override
    public void write(String name, byte[] content) {
        Path file = file(name);
        try {
            if (!claimed) {
                claim();
            }
            AtomicFiles.write(file, content);
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Removes the directory and what it holds: the job is done. */
    public void delete() throws IOException {
        delete(directory);
        claimed = false;
    }

    /** Makes the directory with its job file in one rename. */
    private void claim() throws IOException {
        Path staging = beside(directory, CLAIMING);
        remove(staging);
        Files.createDirectories(staging);
        AtomicFiles.writeString(staging.resolve(JOB_FILE), job);
        Files.move(staging, directory, StandardCopyOption.ATOMIC_MOVE);
        claimed = true;
    }

    /** Moves the directory aside in one rename, then empties it there. */
    private static void delete(Path directory) throws IOException {
        if (Files.exists(directory)) {
            Path doomed = beside(directory, DELETING);
            remove(doomed);
            Files.move(directory, doomed, StandardCopyOption.ATOMIC_MOVE);
            remove(doomed);
        }
    }

    private static void remove(Path path) throws IOException {
        if (Files.exists(path)) {
            AtomicFiles.deleteRecursively(path);
        }
    }

    private static Path beside(Path directory, String state) {
        return directory.resolveSibling(directory.getFileName() + "." + state);
    }

    private Path file(String name) {
        if (!NAME.matcher(name).matches() || name.equals(JOB_FILE)) {
            throw new IllegalArgumentException("checkpoint name '" + name + "': expected lower-case letters, digits, '.' and '-', not " + JOB_FILE);
        }
        return directory.resolve(name);
    }

    private static boolean isEmpty(Path directory) throws IOException {
        try (Stream<Path> entries = Files.list(directory)) {
            List<Path> first = entries.limit(1).toList();
            return first.isEmpty();
        }
    }
}
