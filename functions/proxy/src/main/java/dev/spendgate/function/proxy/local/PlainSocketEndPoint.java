package dev.spendgate.function.proxy.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * Jetty's cleartext socket end point without the second read of an idle connection.
 *
 * <p>When a response is done on the thread that parsed its request (every buffered call), Jetty's HTTP/1.1 connection
 * looks for the next request at once and, finding nothing, reads once more before it waits for the selector (a retry
 * meant for TLS, where the first read may only have consumed a record). On a plain socket both reads fail with {@code
 * EAGAIN}: the client has not sent its next request while the gateway still writes the answer to this one. Here a read
 * right after one that found nothing, with no selector wake-up or new read interest in between, answers 0 without a
 * system call. Answering 0 is always allowed (nothing has arrived yet): Jetty then registers read interest, and the
 * selector reports at once any byte that came in meanwhile. One {@code read} fewer per call (bench/RESULTS.md, issue
 * 13, branch sys). TLS connections keep Jetty's own end point.
 */
final class PlainSocketEndPoint extends SocketChannelEndPoint {
    /** The last read found nothing, and nothing since says that has changed. */
    private volatile boolean empty;

    PlainSocketEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
        super(channel, selector, key, scheduler);
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        if (empty) {
            empty = false;
            return 0;
        }
        int filled = super.fill(buffer);
        empty = filled == 0;
        return filled;
    }

    @Override
    public Runnable onSelected() {
        empty = false;
        return super.onSelected();
    }

    @Override
    protected void needsFillInterest() {
        empty = false;
        super.needsFillInterest();
    }
}
