package io.vitprune.bench;

import ai.djl.pytorch.jni.JniUtils;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * What one benchmark call computes and the threads it ran with, written into JMH's results (JSON
 * {@code secondaryMetrics}) so that {@code vitprune bench-report} needs nothing but the results
 * file: the analytic MAC count of the model measured in that very run (the bundled model's plans
 * depend on its weights, which change as training goes on), and the libtorch thread settings in
 * effect. Counters of type {@code EVENTS} are not divided by time; every call assigns the same
 * values, so each iteration's raw value is the value itself.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.EVENTS)
public class Cost {
    /** Multiply-accumulates of one call (per image times batch; {@code ModelStats} counts them). */
    public double macsPerCall;
    /** Parameters of the model measured (0 for GEMM). */
    public double parameters;
    /** Attention channels the model keeps, summed over its blocks (0 for GEMM). */
    public double attentionChannels;
    /** libtorch intra-op threads in effect. */
    public double libtorchThreads;
    /** libtorch inter-op threads in effect. */
    public double interopThreads;
    /** Intra-op threads of the runtime that ran the call: libtorch's, or ONNX Runtime's session ({@code RuntimeForwardBenchmark}). */
    public double runtimeThreads;
    /** Processors the JVM saw. */
    public double cores;

    /** The values one call records, fixed at set-up. */
    record Work(double macsPerCall, double parameters, double attentionChannels, double libtorchThreads, double interopThreads,
            double runtimeThreads, double cores) {
        /** Work of {@code macsPerCall} run by libtorch with the thread settings in effect now (the engine must be loaded). */
        static Work of(double macsPerCall, double parameters, double attentionChannels) {
            return new Work(macsPerCall, parameters, attentionChannels, JniUtils.getNumThreads(), JniUtils.getNumInteropThreads(),
                    JniUtils.getNumThreads(), Runtime.getRuntime().availableProcessors());
        }

        /** The same work run by another runtime with {@code threads} intra-op threads. */
        Work onRuntimeThreads(int threads) {
            return new Work(macsPerCall, parameters, attentionChannels, libtorchThreads, interopThreads, threads, cores);
        }
    }

    void record(Work work) {
        macsPerCall = work.macsPerCall();
        parameters = work.parameters();
        attentionChannels = work.attentionChannels();
        libtorchThreads = work.libtorchThreads();
        interopThreads = work.interopThreads();
        runtimeThreads = work.runtimeThreads();
        cores = work.cores();
    }
}
