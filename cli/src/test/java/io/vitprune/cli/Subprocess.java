package io.vitprune.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * A JVM of its own running a main class of the test class path, so that a test can kill it (SIGKILL:
 * no shutdown hooks, no finally blocks) or limit it (ulimit) the way a user's machine would.
 */
final class Subprocess {
    private final Process process;
    private final Path log;

    private Subprocess(Process process, Path log) {
        this.process = process;
        this.log = log;
    }

    /** {@code java <mainClass> args} with this JVM's class path and libtorch on one thread; output to {@code log}. */
    static Subprocess start(Path log, String mainClass, List<String> args) throws IOException {
        return start(log, null, mainClass, args);
    }

    /** Like {@link #start(Path, String, List)}, run through {@code bash -c "<shellPrefix>; exec java ..."} when a prefix is given. */
    static Subprocess start(Path log, String shellPrefix, String mainClass, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:-UsePerfData", "-Xmx1g", "-Dai.djl.offline=true", "-Dai.djl.pytorch.num_threads=1",
                "-Dai.djl.pytorch.num_interop_threads=1", "-cp", System.getProperty("java.class.path"), mainClass));
        command.addAll(args);
        if (shellPrefix != null) {
            StringBuilder line = new StringBuilder(shellPrefix).append("; exec");
            for (String word : command) {
                line.append(" '").append(word.replace("'", "'\\''")).append('\'');
            }
            command = List.of("bash", "-c", line.toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new Subprocess(process, log);
    }

    /** Runs the command line {@code vitprune args} to the end and returns its exit code. */
    static int runCli(Path log, String... args) throws IOException, InterruptedException {
        return start(log, Main.class.getName(), List.of(args)).waitFor(Duration.ofMinutes(3));
    }

    int waitFor(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("subprocess did not end within " + limit + ": " + output());
        }
        return process.exitValue();
    }

    /** Polls until {@code condition} holds (then returns true) or the process ends first (false). */
    boolean awaitWhileRunning(BooleanSupplier condition, Duration limit) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            if (!process.isAlive()) {
                return condition.getAsBoolean();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("condition not met within " + limit + ": " + output());
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** SIGKILL, as a crash or the OOM killer would end it; returns once it is gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String output() {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e + ")";
        }
    }
}
