package io.vitprune.core.io;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

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

    public static void write(Path target, Writer writer) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path temporary = Files.createTempFile(parent, "." + absolute.getFileName(), ".tmp");
        makeShareable(temporary, FILE_PERMISSIONS);
        try {
            try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(temporary))) {
                writer.writeTo(out);
            }
            move(temporary, absolute);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    /**
     * Replaces directory {@code target} by {@code staged} (a finished sibling directory): the old
     * directory is moved aside first and deleted only once the new one is in place.
     */
    public static void replaceDirectory(Path staged, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + System.nanoTime());
            move(target, old);
        }
        move(staged, target);
        if (old != null) {
            deleteRecursively(old);
        }
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
