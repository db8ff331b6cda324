package io.vitprune.core.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the real CIFAR-10 files are for tests (surefire sets {@code vitprune.cifar10.dir}). */
public final class TestData {
    public static final String PROPERTY = "vitprune.cifar10.dir";

    private TestData() {
    }

    /**
     * The CIFAR-10 directory. When it is missing the calling test is skipped, except on CI
     * ({@code CI=true}), where missing data must fail the build instead of silently passing.
     */
    public static Path cifarDirectory() {
        Path directory = Path.of(System.getProperty(PROPERTY, "../shared/datasets/cifar10"));
        if (!Files.isRegularFile(directory.resolve("test_batch.bin"))) {
            String message = "CIFAR-10 not found in " + directory.toAbsolutePath() + " (set -D" + PROPERTY + ")";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message);
            }
            assumeTrue(false, message);
        }
        return directory;
    }
}
