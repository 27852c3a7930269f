package dev.spendgate.function.proxy.local;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.function.Consumer;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
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
 *
 * <p>While an HTTP/1.1 stream is relayed, nothing reads the connection: a client that leaves would be noticed only at
 * the next write, which waits for the provider's next event. {@link #watchForClose} asks the selector to report the
 * connection readable and then reads at most one byte: a reset, or an end of input that comes after the answer began,
 * is reported (the client closed its connection); a byte the client sent (a pipelined request) is kept for Jetty's
 * next {@link #fill} and ends the watch. An end of input already there when the watch starts is a client that
 * half-closed once its request was sent (RFC 9112 9.6) and still reads: the watch ends without a report.
 */
final class PlainSocketEndPoint extends SocketChannelEndPoint {
    /** The last read found nothing, and nothing since says that has changed. */
    private volatile boolean empty;
    /** A byte the watch read, for the next fill; null when none. */
    private volatile ByteBuffer held;

    private final SocketChannel channel;
    private final Callback probe = Callback.from(Invocable.InvocationType.BLOCKING, this::probe, this::lost);
    /** Told when the watched client leaves; null when nothing watches. Guarded by this. */
    private Consumer<Throwable> onReset;
    /** The watch's read interest is registered and has not fired. Guarded by this. */
    private boolean interested;

    PlainSocketEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler) {
        super(channel, selector, key, scheduler);
        this.channel = channel;
    }

    /**
     * Until {@link #stopWatching}, tells {@code onClose} (on a pool thread, or on this one when it has already
     * happened) when the client resets or closes the connection. For an HTTP/1.1 connection whose request has been
     * read whole and whose answer has begun, so that Jetty itself does not read it meanwhile.
     */
    void watchForClose(Consumer<Throwable> onClose) {
        IOException reset = null;
        synchronized (this) {
            if (onReset != null || held != null) {
                return;
            }
            try {
                if (readOne() != 0) {
                    return; // half-closed with its request, or sending: nothing to watch
                }
                onReset = onClose;
                interested = tryFillInterested(probe);
                if (!interested) {
                    onReset = null; // something else reads the connection: it will see the client leave itself
                }
            } catch (IOException e) {
                reset = e;
            }
        }
        if (reset != null) {
            onClose.accept(reset);
        }
    }

    /** Reads at most one byte without waiting: 1 (kept for the next fill), 0 (nothing yet) or -1 (end of input). */
    private int readOne() throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        int n = channel.read(one);
        if (n > 0) {
            held = one.flip();
        }
        return n;
    }

    /** Ends the watch, before the response ends: Jetty then reads the connection for the next request. */
    void stopWatching() {
        boolean cancel;
        synchronized (this) {
            onReset = null;
            cancel = interested;
            interested = false;
        }
        if (cancel) {
            getFillInterest().onFail(new IOException("the relay ended"));
        }
    }

    /** The connection is readable: a reset, an end of input, or a byte. */
    private void probe() {
        Consumer<Throwable> gone = null;
        IOException failure = null;
        synchronized (this) {
            interested = false;
            if (onReset == null) {
                return; // stopped meanwhile
            }
            try {
                int n = readOne();
                if (n > 0) {
                    onReset = null; // the client is sending: it is there, and Jetty reads the rest
                } else if (n < 0) {
                    gone = onReset; // its input ended after the answer began: it closed the connection
                    onReset = null;
                    failure = new IOException("the client closed the connection");
                } else {
                    interested = tryFillInterested(probe);
                }
            } catch (IOException e) {
                gone = onReset;
                onReset = null;
                failure = e;
            }
        }
        if (gone != null) {
            gone.accept(failure);
        }
    }

    /** The watch's interest failed: the connection was closed (or the watch stopped). */
    private void lost(Throwable failure) {
        Consumer<Throwable> gone;
        synchronized (this) {
            interested = false;
            gone = onReset;
            onReset = null;
        }
        if (gone != null) {
            gone.accept(failure);
        }
    }

    @Override
    public int fill(ByteBuffer buffer) throws IOException {
        ByteBuffer byteRead = held;
        if (byteRead != null) {
            empty = false;
            int n = BufferUtil.append(buffer, byteRead);
            if (!byteRead.hasRemaining()) {
                held = null;
            }
            return n;
        }
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
