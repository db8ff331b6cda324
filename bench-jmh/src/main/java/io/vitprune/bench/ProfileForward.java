package io.vitprune.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.jni.JniUtils;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vitprune.core.EngineDefaults;
import io.vitprune.core.io.AtomicFiles;
import io.vitprune.core.model.ModelStats;
import io.vitprune.core.model.TransformerBlock;
import io.vitprune.core.model.VisionTransformer;
import io.vitprune.core.model.VitConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Where the time of one forward configuration goes: runs {@link ForwardBenchmark}'s forward pass
 * under libtorch's profiler and writes, per operator, the calls and the self time (time inside the
 * operator minus the operators it called), the share that is matrix products, and how much of the
 * wall time no operator accounts for (Java, JNI, DJL). Also keeps libtorch's Chrome trace.
 *
 * <pre>
 * java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.ProfileForward OUT_DIR model batch [strategy selector ratio heads [execution]]
 * java -cp bench-jmh/target/benchmarks.jar io.vitprune.bench.ProfileForward target/profile paper 32 weight-l1 global 0.5 ragged
 * </pre>
 * Writes {@code OUT_DIR/profile.md} and {@code OUT_DIR/trace.json}. Like every timing, it means
 * something only on an idle machine; the profiler adds its own overhead per operator, so compare
 * shares, and take latencies from the JMH run.
 */
public final class ProfileForward {
    /** libtorch operators that are matrix products (their self time is the GEMM time). */
    static final Set<String> GEMM_OPS = Set.of("aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::_addmm_activation",
            "aten::mkldnn_linear", "aten::_mkldnn_matmul", "mkldnn::matmul");
    private static final int WARMUP_CALLS = 5;
    private static final int PROFILED_CALLS = 10;

    private ProfileForward() {
    }

    /** Self time and calls of one operator name. */
    private static final class OpStats {
        long calls;
        double selfMicros;
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 3 && args.length != 7 && args.length != 8) {
            System.err.println("usage: ProfileForward OUT_DIR model batch [strategy selector ratio heads [grouped|padded]]");
            System.exit(2);
        }
        EngineDefaults.apply();
        Path out = Path.of(args[0]);
        String model = args[1];
        int batch = Integer.parseInt(args[2]);
        Files.createDirectories(out);
        Path trace = out.resolve("trace.json").toAbsolutePath();
        String configuration;
        double wallMillis;
        long macs;
        try (NDManager manager = NDManager.newBaseManager()) {
            VisionTransformer vit = BenchModels.load(model, manager);
            configuration = model + ", batch " + batch;
            if (args.length >= 7) {
                vit = BenchModels.prune(vit, args[3], args[4], Double.parseDouble(args[5]), args[6], manager);
                configuration += ", " + args[3] + " " + args[4] + " " + args[6] + " " + args[5];
            }
            if (args.length == 8) {
                vit.setHeadExecution(TransformerBlock.HeadExecution.valueOf(args[7].toUpperCase(Locale.ROOT)));
                configuration += ", " + args[7] + " heads";
            }
            macs = ModelStats.of(vit).macsPerImage() * batch;
            VitConfig config = vit.config();
            NDArray images = manager.randomNormal(new Shape(batch, VitConfig.CHANNELS, config.imageSize(), config.imageSize()));
            BenchModels.inferenceMode();
            for (int i = 0; i < WARMUP_CALLS; i++) {
                ForwardBenchmark.forward(vit, images);
            }
            JniUtils.startProfile(false, true, false);
            long start = System.nanoTime();
            for (int i = 0; i < PROFILED_CALLS; i++) {
                ForwardBenchmark.forward(vit, images);
            }
            wallMillis = (System.nanoTime() - start) / 1e6 / PROFILED_CALLS;
            JniUtils.stopProfile(trace.toString());
            vit.close();
        }
        String report = summarize(new ObjectMapper().readTree(trace.toFile()), "Forward profile: " + configuration,
                String.format(Locale.ROOT, "%d calls after %d warm-up calls", PROFILED_CALLS, WARMUP_CALLS), PROFILED_CALLS, "forward", wallMillis, macs);
        AtomicFiles.writeString(out.resolve("profile.md"), report);
        System.out.print(report);
        System.out.println("wrote " + out.resolve("profile.md") + " and " + trace);
    }

    /**
     * Per-operator self time from a Chrome trace (complete events, "ph": "X", microseconds) of {@code calls}
     * profiled calls of which each took {@code wallMillis} and computed {@code macs}, per call; {@code call}
     * names a call in the table ("forward").
     */
    static String summarize(JsonNode trace, String title, String runs, int calls, String call, double wallMillis, double macs) {
        JsonNode events = trace.isArray() ? trace : trace.path("traceEvents");
        record Event(String name, String thread, double start, double duration) { }
        List<Event> list = new ArrayList<>();
        for (JsonNode e : events) {
            if ("X".equals(e.path("ph").asText("X")) && e.has("dur") && e.has("ts") && e.has("name")) {
                list.add(new Event(e.get("name").asText(), e.path("pid").asText() + "/" + e.path("tid").asText(), e.get("ts").asDouble(),
                        e.get("dur").asDouble()));
            }
        }
        // Nest events per thread by time: an event's self time is its duration minus its direct children's.
        list.sort(Comparator.comparing(Event::thread).thenComparingDouble(Event::start).thenComparing(Comparator.comparingDouble(Event::duration).reversed()));
        Map<String, OpStats> ops = new LinkedHashMap<>();
        double topLevelMicros = 0;
        Deque<double[]> open = new ArrayDeque<>(); // {end, index}
        String thread = null;
        double[] childTime = new double[list.size()];
        for (int i = 0; i < list.size(); i++) {
            Event e = list.get(i);
            if (!e.thread().equals(thread)) {
                open.clear();
                thread = e.thread();
            }
            while (!open.isEmpty() && open.peek()[0] <= e.start()) {
                open.pop();
            }
            if (open.isEmpty()) {
                topLevelMicros += e.duration();
            } else {
                childTime[(int) open.peek()[1]] += e.duration();
            }
            open.push(new double[] {e.start() + e.duration(), i});
        }
        double totalSelf = 0;
        for (int i = 0; i < list.size(); i++) {
            Event e = list.get(i);
            OpStats stats = ops.computeIfAbsent(e.name(), k -> new OpStats());
            stats.calls++;
            double self = Math.max(0, e.duration() - childTime[i]);
            stats.selfMicros += self;
            totalSelf += self;
        }
        double gemm = ops.entrySet().stream().filter(o -> GEMM_OPS.contains(o.getKey())).mapToDouble(o -> o.getValue().selfMicros).sum();
        double perCall = 1e-3 / calls;
        StringBuilder md = new StringBuilder(String.format(Locale.ROOT,
                "# %s%n%nlibtorch profiler, %s; libtorch threads %d (inter-op %d). Per call: "
                        + "wall %.2f ms (with profiler overhead), operators (top level) %.2f ms, of which matrix products (%s) %.2f ms = "
                        + "%.0f%% of the operator time and %.0f%% of the wall time; %.3g GMAC, so %.1f GFLOP/s inside the matrix products.%n%n",
                title, runs, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(), wallMillis,
                topLevelMicros * perCall, String.join(", ", GEMM_OPS.stream().filter(ops::containsKey).sorted().toList()), gemm * perCall,
                100 * gemm / Math.max(totalSelf, 1e-9), 100 * gemm * perCall / wallMillis, macs / 1e9,
                gemm > 0 ? 2.0 * macs / (gemm * 1e-6 / calls) / 1e9 : 0));
        md.append(String.format("| operator | calls per %s | self time per %s (ms) | share of operator time |%n|---|---:|---:|---:|%n", call, call));
        double total = totalSelf;
        ops.entrySet().stream().sorted(Comparator.comparingDouble((Map.Entry<String, OpStats> o) -> o.getValue().selfMicros).reversed())
                .forEach(o -> md.append(String.format(Locale.ROOT, "| %s | %.1f | %.3f | %.1f%% |%n", o.getKey(),
                        (double) o.getValue().calls / calls, o.getValue().selfMicros * perCall, 100 * o.getValue().selfMicros / total)));
        return md.toString();
    }
}
