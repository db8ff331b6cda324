package io.vitprune.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.BenchmarkList;
import org.openjdk.jmh.runner.BenchmarkListEntry;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs every JMH benchmark of this module once, in this JVM, on tiny inputs: a broken {@code @Setup},
 * benchmark method or {@code @TearDown} fails the build instead of the next benchmark session. Not a
 * measurement (no fork, no warm-up, one short iteration, other work on the machine): the numbers are
 * thrown away. The classes and the tiny value of each of their {@code @Param}s are listed below, and a
 * test checks the list against the BenchmarkList the annotation processor generated and against the
 * {@code *Benchmark.java} sources, so a new benchmark or a new parameter cannot be forgotten here.
 */
class BenchmarkSmokeTest {
    /**
     * Every benchmark class, with small values for each of its parameters: one value, or a few where
     * each takes its own path through a {@code @Setup} and costs little.
     */
    private static final Map<Class<?>, Map<String, List<String>>> TINY = Map.of(
            // 'reference' is the dim-192 model of models/reference (surefire points vitprune.bench.reference there).
            // Every execution of aligned and ragged heads: each is its own branch of Pruned.setUp.
            ForwardBenchmark.class, Map.of("model", List.of("reference"), "batch", List.of("1"), "strategy", List.of("weight-l1"),
                    "selector", List.of("uniform"), "ratio", List.of("0.3"), "heads", List.of("aligned", "ragged"),
                    "execution", List.of("grouped", "padded", "padded-projections")),
            GemmBenchmark.class, Map.of("model", List.of("reference"), "batch", List.of("1")),
            // Every runtime: each exports (fp32 or int8) or not in its own setup; each GEMM runtime builds its own product.
            RuntimeForwardBenchmark.class, Map.of("model", List.of("reference"), "batch", List.of("1"), "runtime",
                    List.of(RuntimeForward.LIBTORCH, RuntimeForward.ONNXRUNTIME, RuntimeForward.ONNXRUNTIME_INT8), "strategy", List.of("weight-l1"),
                    "selector", List.of("global"), "ratio", List.of("0.5"), "gemmRuntime", List.of(RuntimeForward.LIBTORCH, RuntimeForward.ONNXRUNTIME)),
            // One attention-channel scoring on 2 images instead of 50: the same engine, a fraction of the time.
            ScoringBenchmark.class, Map.of("kind", List.of("attention-channel"), "images", List.of("2")),
            // rho 1 is the base model alone, 0.5 the token-pruned path (predictors, top-k, gather).
            TokenForwardBenchmark.class, Map.of("batch", List.of("1"), "rho", List.of("1", "0.5"), "stages", List.of("2,4"),
                    "scorer", List.of("dynamicvit"), "model", List.of("")),
            // r 0 is the backbone alone, 4 the merged path; ratio 0.5 a ragged channel-pruned backbone under it.
            TokenMergingBenchmark.class, Map.of("model", List.of("reference"), "batch", List.of("1"), "r", List.of("0", "4"),
                    "ratio", List.of("0.5")),
            TrainingStepBenchmark.class, Map.of("heads", List.of("6x32"), "batch", List.of("2")));

    static Stream<Class<?>> benchmarks() {
        return TINY.keySet().stream().sorted((a, b) -> a.getName().compareTo(b.getName()));
    }

    @Test
    void listsEveryGeneratedBenchmarkAndEveryParameter() throws IOException {
        Map<String, Set<String>> generated = new TreeMap<>();
        for (BenchmarkListEntry entry : generatedEntries()) {
            generated.computeIfAbsent(entry.getUserClassQName(), name -> new TreeSet<>())
                    .addAll(entry.getParams().hasValue() ? entry.getParams().get().keySet() : Set.of());
        }
        Map<String, Set<String>> listed = new TreeMap<>();
        TINY.forEach((type, params) -> listed.put(type.getName(), new TreeSet<>(params.keySet())));
        assertThat(listed).as("benchmark classes and their @Param names, here vs META-INF/BenchmarkList").isEqualTo(generated);

        Set<String> sources;
        try (Stream<Path> files = Files.list(Path.of(System.getProperty("basedir", "."), "src/main/java/io/vitprune/bench"))) {
            sources = files.map(file -> file.getFileName().toString()).filter(name -> name.endsWith("Benchmark.java"))
                    .map(name -> "io.vitprune.bench." + name.substring(0, name.length() - ".java".length()))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertThat(generated.keySet()).as("*Benchmark.java sources vs META-INF/BenchmarkList").isEqualTo(sources);
    }

    @ParameterizedTest
    @MethodSource("benchmarks")
    void runsOnTinyInputs(Class<?> type) throws RunnerException {
        ChainedOptionsBuilder options = new OptionsBuilder()
                .include("^" + Pattern.quote(type.getName()) + "\\.")
                .forks(0)
                .warmupIterations(0)
                .measurementIterations(1)
                .measurementTime(TimeValue.milliseconds(10))
                .timeout(TimeValue.seconds(60))
                .shouldFailOnError(true)
                .verbosity(VerboseMode.NORMAL);
        TINY.get(type).forEach((name, values) -> options.param(name, values.toArray(String[]::new)));

        // With shouldFailOnError, an exception in any @Setup, @Benchmark or @TearDown makes run() throw.
        Collection<RunResult> results = new Runner(options.build()).run();

        // One result per benchmark method and combination of the values of the parameters it reads.
        List<String> expected = new ArrayList<>();
        for (BenchmarkListEntry entry : generatedEntries()) {
            if (entry.getUserClassQName().equals(type.getName())) {
                Set<String> names = entry.getParams().hasValue() ? entry.getParams().get().keySet() : Set.of();
                int combinations = names.stream().mapToInt(name -> TINY.get(type).get(name).size()).reduce(1, (a, b) -> a * b);
                expected.addAll(Collections.nCopies(combinations, entry.getUsername()));
            }
        }
        assertThat(results).extracting(result -> result.getParams().getBenchmark()).as("results of " + type.getSimpleName())
                .containsExactlyInAnyOrderElementsOf(expected);
        assertThat(results).allSatisfy(result -> assertThat(result.getPrimaryResult().getSampleCount()).isPositive());
    }

    private static List<BenchmarkListEntry> generatedEntries() {
        return List.copyOf(BenchmarkList.defaultList().getAll(OutputFormatFactory.createFormatInstance(System.out, VerboseMode.SILENT), List.of()));
    }
}
