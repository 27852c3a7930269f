package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class ReusedVirtualThreadsTest {
    private final ReusedVirtualThreads threads = new ReusedVirtualThreads("test-");

    @AfterEach
    void close() {
        threads.close();
    }

    @Test
    void execute_afterATaskFinished_runsTheNextOnTheSameVirtualThread() throws Exception {
        Thread first = runAndReturnThread();
        awaitIdle(1);

        Thread second = runAndReturnThread();

        assertThat(first.isVirtual()).isTrue();
        assertThat(first.getName()).startsWith("test-");
        assertThat(second).isSameAs(first);
    }

    @Test
    void execute_whileTheOnlyThreadIsBusy_startsAnother() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch bothRunning = new CountDownLatch(2);
        Runnable hold = () -> {
            bothRunning.countDown();
            await(release);
        };

        threads.execute(hold);
        threads.execute(hold);

        assertThat(bothRunning.await(5, TimeUnit.SECONDS)).isTrue();
        release.countDown();
        awaitIdle(2);
    }

    @Test
    void execute_afterATaskLeftTheThreadInterruptedOrThrew_runsTheNextUninterrupted() throws Exception {
        threads.execute(() -> Thread.currentThread().interrupt());
        awaitIdle(1);
        threads.execute(() -> {
            throw new IllegalStateException("a bug in a task");
        });
        awaitIdle(1);

        CompletableFuture<Boolean> interrupted = new CompletableFuture<>();
        threads.execute(() -> interrupted.complete(Thread.currentThread().isInterrupted()));

        assertThat(interrupted.get(5, TimeUnit.SECONDS)).isFalse();
    }

    @Test
    void close_endsTheWaitingThreads() throws Exception {
        Thread worker = runAndReturnThread();
        awaitIdle(1);

        threads.close();

        assertThat(worker.join(java.time.Duration.ofSeconds(5))).isTrue();
        assertThat(threads.idleThreads()).isZero();
        assertThat(runAndReturnThread()).isNotSameAs(worker); // still runs tasks, on new threads
    }

    private Thread runAndReturnThread() throws Exception {
        CompletableFuture<Thread> ran = new CompletableFuture<>();
        threads.execute(() -> ran.complete(Thread.currentThread()));
        return ran.get(5, TimeUnit.SECONDS);
    }

    private void awaitIdle(int n) throws InterruptedException {
        while (threads.idleThreads() != n) {
            Thread.sleep(1);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
