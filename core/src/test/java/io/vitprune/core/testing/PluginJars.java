package io.vitprune.core.testing;

import ai.djl.ndarray.NDManager;
import io.vitprune.api.StrategyProvider;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;

/** Builds a plug-in jar from Java source the way a plug-in author's build would: compile against the api, add a services file. */
public final class PluginJars {
    private PluginJars() {
    }

    /** The plug-in example the README documents, read from docs/plugin-example of this checkout. */
    public static String example() {
        Path relative = Path.of("docs/plugin-example/src/main/java/com/example/vitprune/RandomPlugin.java");
        for (Path directory = Path.of("").toAbsolutePath(); directory != null; directory = directory.getParent()) {
            if (Files.isRegularFile(directory.resolve(relative))) {
                try {
                    return Files.readString(directory.resolve(relative));
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        throw new IllegalStateException(relative + " not found above " + Path.of("").toAbsolutePath());
    }

    /** Compiles {@code source} (public class {@code className}) and packages it as {@code directory/jarName} listing that class. */
    public static Path build(Path directory, String jarName, String className, String source) throws IOException {
        Path sources = Files.createDirectories(directory.resolve(jarName + "-src"));
        Path classes = Files.createDirectories(directory.resolve(jarName + "-classes"));
        Path file = sources.resolve(className.substring(className.lastIndexOf('.') + 1) + ".java");
        Files.writeString(file, source);
        compile(file, classes);

        Path jar = directory.resolve(jarName);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), new Manifest());
                Stream<Path> compiled = Files.walk(classes)) {
            for (Path path : compiled.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(path).toString().replace(File.separatorChar, '/')));
                Files.copy(path, out);
            }
            out.putNextEntry(new JarEntry("META-INF/services/" + StrategyProvider.class.getName()));
            writeLine(out, className);
        }
        return jar;
    }

    private static void compile(Path file, Path classes) throws IOException {
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = compiler.getStandardFileManager(diagnostics, null, StandardCharsets.UTF_8)) {
            List<String> options = List.of("--release", "17", "-d", classes.toString(), "-classpath", apiClassPath());
            boolean compiled = compiler.getTask(null, files, diagnostics, options, null, files.getJavaFileObjects(file)).call();
            if (!compiled) {
                throw new AssertionError("plug-in source does not compile: " + diagnostics.getDiagnostics());
            }
        }
    }

    /**
     * What a plug-in compiles against: vitprune-api and its one dependency, DJL's api, found where
     * this JVM loaded them (java.class.path may be a surefire manifest jar).
     */
    private static String apiClassPath() {
        return Stream.of(StrategyProvider.class, NDManager.class).map(PluginJars::location).collect(Collectors.joining(File.pathSeparator));
    }

    private static String location(Class<?> type) {
        try {
            return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void writeLine(OutputStream out, String line) throws IOException {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
