package dev.spendgate.function.proxy.local;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The calls the local server is running, so that a stop ends them on its own terms rather than through Jetty's threads,
 * which are stopping too: past the grace period the provider streams still relayed are cut (each call then concludes
 * as cut and writes its usage record), and the stop waits, for a bounded time, until every running call has returned,
 * so its record is in the usage log before the runtime is closed.
 *
 * <p>A call costs one counter increment and decrement; only a relayed stream is also registered, to be reachable.
 */
final class CallsInFlight {
    private final AtomicInteger running = new AtomicInteger();
    private final Set<JettySink> relaying = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    void started() {
        running.incrementAndGet();
    }

    /** The gateway returned from the call: its record is written. */
    void ended() {
        running.decrementAndGet();
    }

    /** Calls the gateway is running now. */
    int running() {
        return running.get();
    }

    /** {@code sink} began relaying a stream; true when the server is stopping already, and the stream is to be cut. */
    boolean relayStarted(JettySink sink) {
        relaying.add(sink);
        return stopping;
    }

    /** Whether the server is stopping (set before the relayed streams are cut). */
    boolean stopping() {
        return stopping;
    }

    void relayEnded(JettySink sink) {
        relaying.remove(sink);
    }

    /** Cuts every provider stream relayed now, and any begun from here on. */
    void cutStreams() {
        stopping = true;
        for (JettySink sink : relaying) {
            sink.cut();
        }
    }

    /** Waits up to {@code millis} for the running calls to return; true when none runs. */
    boolean awaitNone(long millis) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (running.get() > 0) {
            if (System.nanoTime() - deadline >= 0) {
                return false;
            }
            Thread.sleep(10);
        }
        return true;
    }
}
