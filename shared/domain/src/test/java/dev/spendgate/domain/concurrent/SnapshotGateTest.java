package dev.spendgate.domain.concurrent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(60) // a change or snapshot never woken hangs; this makes it a failure
class SnapshotGateTest {
    private final SnapshotGate gate = new SnapshotGate();

    @Test
    void snapshot_neverSeesAChangeHalfDone() throws Exception {
        AtomicInteger first = new AtomicInteger();
        AtomicInteger second = new AtomicInteger();
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> changers = new ArrayList<>();
        for (int t = 0; t < 16; t++) {
            changers.add(Thread.ofVirtual().start(() -> {
                while (!stop.get()) {
                    gate.change(() -> {
                        first.incrementAndGet();
                        Thread.yield(); // let the snapshot thread run in the middle of a change, if it can
                        second.incrementAndGet();
                    });
                }
            }));
        }
        // on a loaded machine the changers may not have run yet: snapshots only mean something between changes
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(30);
        while (first.get() == 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        int changesBefore = first.get();
        int torn = 0;
        for (int i = 0; i < 2_000 || (first.get() - changesBefore < 100 && System.nanoTime() < deadline); i++) {
            torn += gate.exclusively(() -> first.get() == second.get() ? 0 : 1);
        }
        int changesDuring = first.get() - changesBefore;
        stop.set(true);
        for (Thread t : changers) {
            t.join();
        }

        assertThat(torn).as("snapshots that saw a change half done").isZero();
        assertThat(changesDuring).as("changes made between the snapshots").isPositive();
        assertThat(first.get()).isEqualTo(second.get());
    }

    @Test
    void change_duringASnapshot_runsWhenItEnds() throws Exception {
        CountDownLatch releaseSnapshot = new CountDownLatch(1);
        Thread snapshot = holdSnapshot(releaseSnapshot);

        AtomicInteger changed = new AtomicInteger();
        List<Thread> calls = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            calls.add(Thread.ofVirtual().start(() -> gate.change(changed::incrementAndGet)));
        }
        Thread.sleep(100);
        assertThat(changed.get())
                .as("changes run while the snapshot holds the gate")
                .isZero();

        releaseSnapshot.countDown();
        snapshot.join();
        for (Thread t : calls) {
            assertThat(t.join(java.time.Duration.ofSeconds(10))).isTrue();
        }
        assertThat(changed.get()).isEqualTo(8);
        assertThat(gate.snapshotting()).isFalse();
    }

    @Test
    void snapshot_waitsForTheChangesAlreadyRunning() throws Exception {
        CountDownLatch changeRunning = new CountDownLatch(1);
        CountDownLatch releaseChange = new CountDownLatch(1);
        AtomicBoolean changeDone = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> change = pool.submit(() -> gate.change(() -> {
                changeRunning.countDown();
                await(releaseChange);
                changeDone.set(true);
            }));
            assertThat(changeRunning.await(10, TimeUnit.SECONDS)).isTrue();
            Future<Boolean> snapshot = pool.submit(() -> gate.exclusively(changeDone::get));
            Thread.sleep(100);
            assertThat(snapshot.isDone()).as("the snapshot ran beside a change").isFalse();
            assertThat(gate.snapshotting())
                    .as("the snapshot holds back new changes meanwhile")
                    .isTrue();

            releaseChange.countDown();
            change.get(10, TimeUnit.SECONDS);
            assertThat(snapshot.get(10, TimeUnit.SECONDS))
                    .as("the snapshot saw the change done")
                    .isTrue();
        } finally {
            releaseChange.countDown();
            pool.shutdownNow();
        }
    }

    @Test
    void change_interruptedWhileHeld_waitsParkedAndKeepsItsInterrupt() throws Exception {
        CountDownLatch releaseSnapshot = new CountDownLatch(1);
        Thread snapshot = holdSnapshot(releaseSnapshot);
        AtomicBoolean interruptedInChange = new AtomicBoolean();
        Thread call = Thread.ofPlatform()
                .start(() -> gate.change(() -> {
                    interruptedInChange.set(Thread.currentThread().isInterrupted());
                }));
        awaitWaiting(call); // held by the snapshot
        call.interrupt();
        awaitWaiting(call);

        // parked, not spinning: a spinning call takes a core (a carrier, for a virtual thread) from the others, and
        // one that spins through park is seen runnable in nearly every sample
        for (int i = 0; i < 20; i++) {
            assertThat(call.getState()).isEqualTo(Thread.State.WAITING);
            Thread.sleep(5);
        }
        releaseSnapshot.countDown();
        snapshot.join();
        call.join(10_000);
        assertThat(call.isAlive()).isFalse();
        assertThat(interruptedInChange)
                .as("the change ran with the caller's interrupt kept")
                .isTrue();
    }

    @Test
    void exclusively_insideASnapshotOfTheSameGate_isRefused() {
        assertThatThrownBy(() -> gate.exclusively(() -> gate.exclusively(() -> "inner")))
                .isInstanceOf(IllegalStateException.class);
        assertThat(gate.change(() -> "still open")).isEqualTo("still open");
    }

    @Test
    void change_thatThrows_leavesTheGateOpen() {
        try {
            gate.change(() -> {
                throw new IllegalStateException("closed");
            });
        } catch (IllegalStateException expected) {
            // the change's own failure reaches its caller
        }

        assertThat(gate.exclusively(() -> "snapshot")).isEqualTo("snapshot");
        assertThat(gate.change(() -> 42)).isEqualTo(42);
    }

    /** Takes a snapshot on a platform thread (the flush's kind) and holds it until {@code release} is counted down. */
    private Thread holdSnapshot(CountDownLatch release) throws InterruptedException {
        CountDownLatch running = new CountDownLatch(1);
        Thread snapshot = Thread.ofPlatform()
                .start(() -> gate.exclusively(() -> {
                    running.countDown();
                    await(release);
                    return null;
                }));
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        return snapshot;
    }

    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (thread.getState() != Thread.State.WAITING && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
