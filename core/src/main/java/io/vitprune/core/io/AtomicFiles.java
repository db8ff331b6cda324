package io.vitprune.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;

/** Writes that never leave a half-written file: write a temporary sibling, then rename it. */
public final class AtomicFiles {
    private static final String FILE_PERMISSIONS = "rw-r--r--";
    private static final String DIRECTORY_PERMISSIONS = "rwxr-xr-x";

    private AtomicFiles() {
    }

    /** Something that writes to a stream. */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) throws IOException {
        write(target, text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    /** Writes {@code target} through a temporary sibling; a failure names {@code target} and leaves it as it was. */
    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        Path temporary = null;
        try {
            Files.createDirectories(parent);
            temporary = Files.createTempFile(parent, "." + absolute.getFileName(), ".tmp");
            makeShareable(temporary, FILE_PERMISSIONS);
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(temporary))) {
                writer.writeTo(out);
            }
            move(temporary, absolute);
        } catch (IOException e) {
            throw new IOException("cannot write " + target + ": " + describe(e), e);
        } finally {
            if (temporary != null) {
                Files.deleteIfExists(temporary);
            }
        }
    }

    /**
     * What went wrong, in words that name the file: Java's file-system exceptions often carry the
     * path alone ("/x/y" for permission denied), which reads like no reason at all.
     */
    public static String describe(IOException error) {
        if (error instanceof AccessDeniedException denied) {
            return denied.getFile() + ": permission denied (expected a location this user may write)";
        }
        if (error instanceof NoSuchFileException missing) {
            return missing.getFile() + ": no such file or directory";
        }
        if (error instanceof FileAlreadyExistsException exists) {
            return exists.getFile() + (Files.isDirectory(Path.of(exists.getFile())) ? ": already exists" : ": exists and is not a directory");
        }
        if (error instanceof FileSystemException other && other.getReason() != null) {
            return other.getMessage();
        }
        return error.getMessage() != null ? error.getMessage() : error.getClass().getSimpleName();
    }

    /**
     * Replaces directory {@code target} by {@code staged} (a finished sibling directory): the old
     * directory is moved aside first and deleted only once the new one is in place.
     */
    public static void replaceDirectory(Path staged, Path target) throws IOException {
        recoverInterruptedReplace(target);
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling(OLD_PREFIX.formatted(target.getFileName()) + String.format("%016x", System.currentTimeMillis()));
            move(target, old);
        }
        move(staged, target);
        if (old != null) {
            deleteRecursively(old);
        }
    }

    /** {@code .name.old-<hex time>}: the previous copy of a directory while {@link #replaceDirectory} swaps it. */
    private static final String OLD_PREFIX = ".%s.old-";

    /**
     * Repairs what a process killed inside {@link #replaceDirectory} left: when {@code target} is
     * missing but its previous copy was moved aside, the copy is moved back (the new one never got
     * its name: it is still in its hidden staging directory); when {@code target} is in place,
     * copies moved aside are deleted. Staging directories of unfinished writes are hidden
     * ({@code .name.staging-*}) and never taken for the target. Returns whether a copy was moved back.
     */
    public static boolean recoverInterruptedReplace(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            return false;
        }
        String prefix = OLD_PREFIX.formatted(absolute.getFileName());
        List<Path> old;
        try (Stream<Path> siblings = Files.list(parent)) {
            old = siblings.filter(p -> p.getFileName().toString().startsWith(prefix))
                    .sorted(java.util.Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        }
        boolean restored = false;
        for (Path copy : old) {
            if (!restored && !Files.exists(absolute)) {
                move(copy, absolute);
                restored = true;
            } else {
                deleteRecursively(copy);
            }
        }
        return restored;
    }

    /** A fresh empty directory beside {@code target}, to stage its new content in. */
    public static Path stagingDirectory(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Files.createDirectories(absolute.getParent());
        Path staged = Files.createTempDirectory(absolute.getParent(), "." + absolute.getFileName() + ".staging-");
        makeShareable(staged, DIRECTORY_PERMISSIONS);
        return staged;
    }

    /** Temporary files are private (0600 / 0700); what they become is an ordinary output. */
    private static void makeShareable(Path path, String permissions) throws IOException {
        if (path.getFileSystem().supportedFileAttributeViews().contains("posix")) {
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString(permissions));
        }
    }

    public static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (var walk = Files.walk(path)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
