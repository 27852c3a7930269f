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

    private final ConcurrentLinkedQueue<Waiter> held = new ConcurrentLinkedQueue<>();
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

    /**
     * Stops new changes, waits for the running ones to leave, runs {@code task}, and lets changes go on.
     *
     * @throws IllegalStateException when this thread is in a snapshot of this gate already
     */
    public <T> T exclusively(Supplier<T> task) {
        Objects.requireNonNull(task, "task");
        if (snapshots.isHeldByCurrentThread()) {
            throw new IllegalStateException("a snapshot inside a snapshot of the same gate would wait for itself");
        }
        snapshots.lock();
        boolean interrupted = false;
        try {
            snapshotter = Thread.currentThread();
            state.getAndAdd(SNAPSHOT);
            try {
                while (state.get() != SNAPSHOT) {
                    LockSupport.park(this); // the last change to leave wakes this thread
                    interrupted |= Thread.interrupted(); // else park returns at once, and this would spin
                }
                return task.get();
            } finally {
                state.getAndAdd(-SNAPSHOT);
                snapshotter = null;
                for (Waiter waiting; (waiting = held.poll()) != null; ) {
                    waiting.released = true;
                    LockSupport.unpark(waiting.thread);
                }
            }
        } finally {
            snapshots.unlock();
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Whether a snapshot is waiting or running (tests). */
    boolean snapshotting() {
        return state.get() >= SNAPSHOT;
    }

    private void enter() {
        boolean interrupted = false;
        while (true) {
            int s = state.get();
            if (s < SNAPSHOT) {
                if (state.compareAndSet(s, s + 1)) {
                    break;
                }
                continue;
            }
            Waiter waiter = new Waiter(Thread.currentThread());
            held.add(waiter);
            while (state.get() >= SNAPSHOT) {
                if (waiter.released) {
                    // taken off the queue (and woken) by a snapshot that ended just as the next one began, which
                    // wakes only the threads it finds queued: queue again
                    waiter = new Waiter(waiter.thread);
                    held.add(waiter);
                    continue;
                }
                LockSupport.park(this); // the snapshot's thread wakes every held change when it ends
                interrupted |= Thread.interrupted(); // else park returns at once, and this would spin
            }
            if (!waiter.released) {
                held.remove(waiter);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt(); // the change runs as it would have, with the caller's interrupt kept
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

    /** A change held by a snapshot; {@code released} once the snapshot has taken it off the queue to wake it. */
    private static final class Waiter {
        final Thread thread;
        volatile boolean released;

        Waiter(Thread thread) {
            this.thread = thread;
        }
    }
}
