package io.vitprune.core;

/**
 * Engine settings vitprune relies on, applied before DJL loads: offline (the native library comes
 * from the classpath, nothing is downloaded) and explicit libtorch thread counts, because the
 * defaults ran GEMM ~35% slower on a 2-core machine. Values set by the user are kept.
 */
public final class EngineDefaults {
    private EngineDefaults() {
    }

    public static void apply() {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("ai.djl.pytorch.num_threads", String.valueOf(Runtime.getRuntime().availableProcessors()));
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
    }

    /** The libtorch intra-op thread count in effect. */
    public static int threads() {
        return Integer.parseInt(System.getProperty("ai.djl.pytorch.num_threads"));
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
