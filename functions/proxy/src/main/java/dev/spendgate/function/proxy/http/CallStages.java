package dev.spendgate.function.proxy.http;

/**
 * Benchmarks only: when each call passed the gateway's stages ({@link System#nanoTime()}), keyed by the call's {@value
 * #CALL_HEADER} header, so a benchmark can name the stage a slow call waited in. Off (null) unless a benchmark sets
 * it; then each stage costs one volatile read.
 */
public final class CallStages {
    /** The request header whose value names a call in the stamps. */
    public static final String CALL_HEADER = "X-Bench-Call";

    /** The stages, in the order a relayed call passes them. */
    public enum Stage {
        /** Jetty began the request (its first bytes were read). */
        BEGIN,
        /** Jetty parsed the request head. */
        HEADERS,
        /** The gateway's Jetty handler was entered. */
        HANDLER,
        /** The body was read and the gateway's call began. */
        CALL,
        /** Key check, attribution and validation done: admission begins. */
        CHECKED,
        /** The stages before the relay are done (the budgets' reservation is made). */
        ADMITTED,
        /** The request's write to the upstream returned. */
        UPSTREAM_WRITTEN,
        /** The upstream's response head was read. */
        UPSTREAM_HEAD,
        /** The answer's body was read (whole calls) and the call priced. */
        PRICED,
        /** The budgets were settled. */
        SETTLED,
        /** The call is concluded: its usage record appended. */
        CONCLUDED,
        /** The answer was handed to Jetty. */
        END,
        /** Jetty's write of the answer completed. */
        WRITTEN
    }

    /** Receives the stamps. */
    @FunctionalInterface
    public interface Stamps {
        /**
         * {@code call} is the {@value #CALL_HEADER} value, or null for the call this thread runs (the one whose
         * {@link Stage#CALL} was last stamped on it).
         */
        void stamp(String call, Stage stage, long nanos);
    }

    private static volatile Stamps stamps;

    private CallStages() {}

    /** Stamps every later call of this JVM ({@code null}: stop). For benchmarks. */
    public static void time(Stamps times) {
        stamps = times;
    }

    /** The hook, or null when off. */
    public static Stamps stamps() {
        return stamps;
    }

    /** Stamps {@code stage} of the call this thread runs; nothing when off. */
    public static void stamp(Stage stage) {
        Stamps s = stamps;
        if (s != null) {
            s.stamp(null, stage, System.nanoTime());
        }
    }
}
