package dev.spendgate.domain.concurrent;

import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * Lets any number of threads change a store at once and one thread at a time take a snapshot between changes (a
 * buffer swapped, a journal segment rotated).
 *
 * <p>A read-write lock did this before, and cost calls hundreds of milliseconds although the snapshot held it for
 * microseconds (bench/RESULTS.md, 2026-12-04): the lock's waiting readers wake one another one at a time, each
 * wake-up going through the virtual-thread scheduler's queue behind every runnable call; and a wake-up from a
 * platform thread (the flush thread) lands on the scheduler's external queue, which a busy carrier reads only once
 * its own queue is empty. Here the changes a snapshot held back are all woken at once by the snapshot's thread when
 * it ends (run it on a virtual thread, and they go to that carrier's own queue), and the last change to leave wakes
 * the waiting snapshot.
 *
 * <p>So a snapshot must be short and must not wait for a change: do the slow part (opening a file, writing one)
 * outside {@link #exclusively}. Not reentrant: a change must not take a snapshot, nor a snapshot make a change.
 */
public final class SnapshotGate {
    /** Set while a snapshot waits or runs; the bits below count the changes inside. */
    private static final int SNAPSHOT = 1 << 30;

    private final AtomicInteger state = new AtomicInteger();
    /** One snapshot at a time; a lock, not a monitor, so a virtual thread waiting in a snapshot pins nothing. */
    private final ReentrantLock snapshots = new ReentrantLock();

    private final ConcurrentLinkedQueue<Thread> held = new ConcurrentLinkedQueue<>();
    private volatile Thread snapshotter;

    /** Runs {@code change}, after any snapshot in progress. */
    public <T> T change(Supplier<T> change) {
        Objects.requireNonNull(change, "change");
        enter();
        try {
            return change.get();
        } finally {
            exit();
        }
    }

    /** Runs {@code change}, after any snapshot in progress. */
    public void change(Runnable change) {
        Objects.requireNonNull(change, "change");
        enter();
        try {
            change.run();
        } finally {
            exit();
        }
    }

    /** Stops new changes, waits for the running ones to leave, runs {@code task}, and lets changes go on. */
    public <T> T exclusively(Supplier<T> task) {
        Objects.requireNonNull(task, "task");
        snapshots.lock();
        try {
            snapshotter = Thread.currentThread();
            state.getAndAdd(SNAPSHOT);
            try {
                while (state.get() != SNAPSHOT) {
                    LockSupport.park(this); // the last change to leave wakes this thread
                }
                return task.get();
            } finally {
                state.getAndAdd(-SNAPSHOT);
                snapshotter = null;
                for (Thread waiting; (waiting = held.poll()) != null; ) {
                    LockSupport.unpark(waiting);
                }
            }
        } finally {
            snapshots.unlock();
        }
    }

    /** Whether a snapshot is waiting or running (tests). */
    boolean snapshotting() {
        return state.get() >= SNAPSHOT;
    }

    private void enter() {
        while (true) {
            int s = state.get();
            if (s < SNAPSHOT) {
                if (state.compareAndSet(s, s + 1)) {
                    return;
                }
                continue;
            }
            Thread me = Thread.currentThread();
            // Queued again before each wait: a snapshot that ended may have taken it off the queue (and woken it)
            // just as the next snapshot began, which then wakes only the threads it finds queued.
            while (true) {
                held.add(me);
                if (state.get() < SNAPSHOT) {
                    break;
                }
                LockSupport.park(this); // the snapshot's thread wakes every held change when it ends
            }
            while (held.remove(me)) {
                // left queued more than once when woken by something else: no later snapshot need wake it
            }
        }
    }

    private void exit() {
        if (state.decrementAndGet() == SNAPSHOT) {
            Thread waiting = snapshotter;
            if (waiting != null) {
                LockSupport.unpark(waiting);
            }
        }
    }
}
