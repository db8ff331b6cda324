package io.vitprune.core.io;

import io.vitprune.api.InvalidInputException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The check every command that writes runs before any work: no output is, contains or lies inside
 * one of the command's inputs or another output (compared on real paths, so {@code ./M/}, {@code M}
 * and a link to {@code M} are one path), and every output is of the kind the command writes, or new.
 * Each refusal names the option, the path and what was expected.
 */
public final class OutputGuard {
    /** What a command writes at an output path. */
    public enum Kind { FILE, DIRECTORY }

    /** Fails when the existing {@code path} may not be replaced (e.g. it holds files the command did not write). */
    @FunctionalInterface
    public interface Replaceable {
        void require(Path path) throws IOException;
    }

    private record Named(String option, Path path) {
        Named {
            Objects.requireNonNull(option);
            Objects.requireNonNull(path);
        }
    }

    private record Output(Named named, Kind kind, Replaceable replaceable) { }

    private final List<Named> inputs = new ArrayList<>();
    private final List<Output> outputs = new ArrayList<>();

    private OutputGuard() {
    }

    public static OutputGuard check() {
        return new OutputGuard();
    }

    /** An input (model, plan, data, work directory) no output may touch; a null path (option not given) is skipped. */
    public OutputGuard input(String option, Path path) {
        if (path != null) {
            inputs.add(new Named(option, path));
        }
        return this;
    }

    /** A file the command writes; a null path (option not given) is skipped. */
    public OutputGuard file(String option, Path path) {
        return output(option, path, Kind.FILE, p -> { });
    }

    /** Files named {@code prefix} + each suffix (an experiment's {@code --out}: {@code <out>.csv}, {@code <out>.md}, ...). */
    public OutputGuard files(String option, Path prefix, String... suffixes) {
        for (String suffix : suffixes) {
            file(option, prefix.resolveSibling(prefix.getFileName() + suffix));
        }
        return this;
    }

    /** A directory the command writes into. */
    public OutputGuard directory(String option, Path path) {
        return output(option, path, Kind.DIRECTORY, p -> { });
    }

    /** A model directory: an existing one must pass {@link ModelStore#requireReplaceable}. */
    public OutputGuard modelDirectory(String option, Path path) {
        return output(option, path, Kind.DIRECTORY, ModelStore::requireReplaceable);
    }

    /** A directory the command replaces as a whole, where {@code replaceable} says whether an existing one may go. */
    public OutputGuard output(String option, Path path, Kind kind, Replaceable replaceable) {
        if (path != null) {
            outputs.add(new Output(new Named(option, path), kind, Objects.requireNonNull(replaceable)));
        }
        return this;
    }

    /** Runs every check; throws {@link InvalidInputException} at the first output that is not safe. */
    public void verify() {
        try {
            for (int i = 0; i < outputs.size(); i++) {
                Output output = outputs.get(i);
                requireKind(output);
                for (Named input : inputs) {
                    requireApart(output.named(), input, "input");
                }
                for (Output other : outputs.subList(i + 1, outputs.size())) {
                    requireApart(output.named(), other.named(), "output");
                }
                if (Files.exists(output.named().path())) {
                    output.replaceable().require(output.named().path());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void requireKind(Output output) {
        Path path = output.named().path();
        String option = output.named().option();
        Path parent = nearestExisting(path.toAbsolutePath().normalize().getParent());
        if (parent != null && !Files.isDirectory(parent)) {
            throw new InvalidInputException(option + " " + path + ": " + parent + " exists and is not a directory: expected a path whose "
                    + "parent folders are directories or new; nothing was written");
        }
        if (output.kind() == Kind.DIRECTORY && Files.exists(path) && !Files.isDirectory(path)) {
            throw new InvalidInputException(option + " " + path + " exists and is not a directory: expected a directory or a new path; "
                    + "nothing was written");
        }
        if (output.kind() == Kind.FILE && Files.isDirectory(path)) {
            throw new InvalidInputException(option + " " + path + " is a directory: expected a file or a new path; nothing was written");
        }
    }

    private static void requireApart(Named output, Named other, String role) throws IOException {
        Path out = realPath(output.path());
        Path in = realPath(other.path());
        String relation = out.equals(in) ? "is" : out.startsWith(in) ? "lies inside" : in.startsWith(out) ? "contains" : null;
        if (relation != null) {
            throw new InvalidInputException(output.option() + " " + output.path() + " " + relation + " the " + role + " " + other.option() + " "
                    + other.path() + (relation.equals("is") ? " (both are " + in + ")" : "")
                    + ": expected an output apart from every input and other output (not it, not inside it, not holding it); nothing was written");
        }
    }

    /**
     * {@code path} with links resolved as far as it exists: the real path of its nearest existing
     * ancestor, then the rest of it as given (normalized), so that outputs yet to be written compare too.
     */
    static Path realPath(Path path) throws IOException {
        Path absolute = path.toAbsolutePath().normalize();
        Path existing = nearestExisting(absolute);
        if (existing == null) {
            return absolute;
        }
        return existing.toRealPath().resolve(existing.relativize(absolute)).normalize();
    }

    private static Path nearestExisting(Path path) {
        Path existing = path;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        return existing;
    }
}
