package dev.spendgate.function.proxy.local;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs each task on a virtual thread, handing it to one that finished an earlier task and waits parked when there is
 * one, instead of starting a new virtual thread per task (what Jetty's {@code VirtualThreadPool} does by default).
 *
 * <p>Why: the JDK (21 to 25) queues a newly started virtual thread in its scheduler's external queue, and a carrier
 * thread runs its own queue until it is empty before it looks there. Waking a parked virtual thread from another one
 * goes to the carrier's own queue, in order with the socket wake-ups. Under load that queue never empties: the JDK's
 * read poller is itself a virtual thread that yields back into it while it finds ready sockets. On the gateway's one
 * carrier, new threads (each request Jetty read) then waited until it did: calls of a few connections waited 0.4 to
 * 4.6 s at 64 connections while the rest went on, with 1,800 unstarted virtual threads in a thread dump
 * (bench/RESULTS.md, issue 13, branch {@code exch}). At most {@value #MAX_IDLE} threads wait for work; more finish.
 */
final class ReusedVirtualThreads implements Executor, AutoCloseable {
    static final int MAX_IDLE = 256;

    private static final Runnable STOP = () -> {};

    private final Thread.Builder builder;
    private final ConcurrentLinkedDeque<Worker> idle = new ConcurrentLinkedDeque<>();
    private final AtomicInteger idleCount = new AtomicInteger();
    private volatile boolean closed;

    /** Threads named {@code prefix} and a number. */
    ReusedVirtualThreads(String prefix) {
        this.builder = Thread.ofVirtual().name(Objects.requireNonNull(prefix, "prefix"), 0);
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        Worker worker = idle.pollFirst(); // the most recently parked: its stack is likeliest still in the cache
        if (worker != null) {
            idleCount.decrementAndGet();
            worker.hand(task);
        } else {
            builder.start(new Worker(task));
        }
    }

    /** Virtual threads waiting for a task. */
    int idleThreads() {
        return idleCount.get();
    }

    /** Ends the waiting threads; tasks given later each get a new thread, which ends after it. */
    @Override
    public void close() {
        closed = true;
        for (Worker worker = idle.pollFirst(); worker != null; worker = idle.pollFirst()) {
            idleCount.decrementAndGet();
            worker.hand(STOP);
        }
    }

    private final class Worker implements Runnable {
        private volatile Runnable task;
        private volatile Thread thread;

        Worker(Runnable first) {
            this.task = first;
        }

        void hand(Runnable next) {
            task = next;
            LockSupport.unpark(thread);
        }

        @Override
        public void run() {
            Thread self = Thread.currentThread();
            thread = self;
            for (Runnable next = task; next != STOP; next = awaitTask()) {
                try {
                    next.run();
                } catch (Throwable e) {
                    self.getUncaughtExceptionHandler().uncaughtException(self, e);
                }
                Thread.interrupted(); // the next task starts as on a new thread
                task = null;
                if (closed) {
                    return;
                }
                if (idleCount.incrementAndGet() > MAX_IDLE) {
                    idleCount.decrementAndGet();
                    return;
                }
                idle.offerFirst(this);
                if (closed && idle.remove(this)) {
                    idleCount.decrementAndGet(); // close() ran meanwhile and may have missed this one
                    return;
                }
            }
        }

        private Runnable awaitTask() {
            Runnable next;
            while ((next = task) == null) {
                LockSupport.park(this);
            }
            return next;
        }
    }
}
