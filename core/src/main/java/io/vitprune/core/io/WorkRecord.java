package io.vitprune.core.io;

import com.fasterxml.jackson.core.type.TypeReference;
import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a resumable run's work directory was started with: the identity of its inputs (a model's
 * checksums) and the options that change its result, kept in {@value #FILE}. A run resumes a work
 * directory only when it was started with the same: otherwise it would continue (or return, when
 * finished) another run's model under this run's name.
 */
public final class WorkRecord {
    static final String FILE = "run-inputs.json";

    private final Path work;
    private final Map<String, String> identity;

    private WorkRecord(Path work, Map<String, String> identity) {
        this.work = work;
        this.identity = identity;
    }

    /**
     * Checks, writing nothing, that {@code work} may hold the run described by {@code identity}
     * (option or input -> its value or checksum): it is new, empty, or was started with the same.
     * A directory with files but no record is refused: what made them cannot be told.
     */
    public static WorkRecord check(Path work, Map<String, String> identity) {
        Objects.requireNonNull(work);
        WorkRecord record = new WorkRecord(work, new TreeMap<>(identity));
        try {
            record.requireSameRun();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return record;
    }

    private void requireSameRun() throws IOException {
        if (!Files.exists(work)) {
            return;
        }
        if (!Files.isDirectory(work)) {
            throw new InvalidInputException("--work " + work + " exists and is not a directory: expected a work directory or a new path");
        }
        Path file = work.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            try (var entries = Files.list(work)) {
                if (entries.findAny().isPresent()) {
                    throw new InvalidInputException("--work " + work + " holds files but no " + FILE + " saying which inputs and options made "
                            + "them: expected a new or empty directory, or the work directory of a run with the same inputs and options");
                }
            }
            return;
        }
        Map<String, String> recorded = ModelStore.json().readValue(file.toFile(), new TypeReference<TreeMap<String, String>>() { });
        List<String> differences = new ArrayList<>();
        TreeSet<String> keys = new TreeSet<>(recorded.keySet());
        keys.addAll(identity.keySet());
        for (String key : keys) {
            String was = recorded.getOrDefault(key, "(not recorded)");
            String now = identity.getOrDefault(key, "(not given)");
            if (!was.equals(now)) {
                differences.add(key + " was " + was + ", this run has " + now);
            }
        }
        if (!differences.isEmpty()) {
            throw new InvalidInputException("--work " + work + " holds a run made with other inputs or options: " + String.join("; ", differences)
                    + " (use another work directory, or the inputs and options of the run it holds)");
        }
    }

    /** Records this run in its work directory (again, unchanged, when resuming); call it once the run starts. */
    public void write() throws IOException {
        AtomicFiles.write(work.resolve(FILE), ModelStore.json().writeValueAsBytes(identity));
    }
}
