package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GroupCommitFileTest {
    @TempDir
    Path dir;

    @Test
    void append_manyThreadsAtOnce_writesEveryLineOnceInEachThreadsOrder() throws Exception {
        Path path = dir.resolve("concurrent.log");
        int threads = 16;
        int lines = 1_500;
        try (GroupCommitFile file = new GroupCommitFile(path, false);
                ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(calls.submit(() -> {
                    java.util.SplittableRandom random = new java.util.SplittableRandom(thread);
                    for (int n = 0; n < lines; n++) {
                        // now and then a line longer than a buffer, and once one past the size a spare is kept at
                        int pad = thread == 3 && n == 700
                                ? 1_100_000
                                : random.nextInt(50) == 0 ? 9_000 : random.nextInt(200);
                        file.append(bytes(thread + " " + n + " " + "x".repeat(pad) + "\n"));
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        int[] next = new int[threads];
        try (var read = Files.lines(path)) {
            read.forEach(line -> {
                String[] parts = line.split(" ", 3);
                int thread = Integer.parseInt(parts[0]);
                assertThat(Integer.parseInt(parts[1])).isEqualTo(next[thread]++);
            });
        }
        assertThat(next).containsOnly(lines);
    }

    @Test
    void append_whileTheTimedSyncFlushes_returnsWithoutWaitingForTheDisk() throws Exception {
        CountDownLatch flushing = new CountDownLatch(1);
        CountDownLatch diskDone = new CountDownLatch(1);
        AtomicInteger forces = new AtomicInteger();
        Path path = dir.resolve("segment.log");
        // own threads: the common pool may have a single worker, which the held flush would occupy
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (GroupCommitFile file = new GroupCommitFile(path, false, channel -> {
            forces.incrementAndGet();
            flushing.countDown();
            try {
                diskDone.await(); // a slow disk: the flush lasts until the test lets it end
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            channel.force(false);
        })) {
            file.append(bytes("first\n"));
            CompletableFuture<Void> sync = CompletableFuture.runAsync(file::sync, threads);
            assertThat(flushing.await(5, TimeUnit.SECONDS)).isTrue();

            CompletableFuture<Void> append = CompletableFuture.runAsync(() -> file.append(bytes("second\n")), threads);
            append.get(5, TimeUnit.SECONDS); // before the change this waited for the flush
            assertThat(Files.readString(path)).isEqualTo("first\nsecond\n");
            assertThat(sync).isNotDone();

            diskDone.countDown();
            sync.get(5, TimeUnit.SECONDS);
            file.sync(); // "second" was written during the flush, so it is synced now
            file.sync(); // nothing new: no flush
        } finally {
            threads.shutdownNow();
        }
        assertThat(forces).hasValue(2);
    }

    /**
     * The usage log closes a segment (its rotation) while every append waits, and the JDK's {@code FileChannel.close}
     * waits for a {@code force} running on the channel: closing under the timed sync's flush stalled every call for
     * as long as the disk took. Now close leaves the channel to the sync, which closes it when its flush returns.
     */
    @Test
    void close_whileTheTimedSyncFlushes_leavesTheChannelToTheSyncWhichClosesItAfterItsFlush() throws Exception {
        assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "counts open files in /proc/self/fd (Linux)");
        CountDownLatch flushing = new CountDownLatch(1);
        CountDownLatch diskDone = new CountDownLatch(1);
        AtomicReference<IOException> forceFailure = new AtomicReference<>();
        Path path = dir.resolve("segment.log");
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try {
            GroupCommitFile file = new GroupCommitFile(path, false, channel -> {
                flushing.countDown();
                try {
                    diskDone.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try {
                    channel.force(false); // the real fsync: on a closed channel it would fail
                } catch (IOException e) {
                    forceFailure.set(e);
                    throw e;
                }
            });
            file.append(bytes("line\n"));
            CompletableFuture<Void> sync = CompletableFuture.runAsync(file::sync, threads);
            assertThat(flushing.await(5, TimeUnit.SECONDS)).isTrue();

            CompletableFuture.runAsync(file::close, threads).get(5, TimeUnit.SECONDS);
            assertThat(openDescriptorsOf(path)).isEqualTo(1); // still open for the flush under way
            assertThatThrownBy(() -> file.append(bytes("late\n"))).isInstanceOf(UncheckedIOException.class);

            diskDone.countDown();
            sync.get(5, TimeUnit.SECONDS);
            assertThat(forceFailure.get()).isNull();
            assertThat(openDescriptorsOf(path)).isZero();
            assertThat(Files.readString(path)).isEqualTo("line\n");
            file.close(); // idempotent
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void sync_afterAFailedFlush_flushesAgainOnTheNextSync() throws Exception {
        AtomicInteger forces = new AtomicInteger();
        Path path = dir.resolve("segment.log");
        try (GroupCommitFile file = new GroupCommitFile(path, false, channel -> {
            if (forces.incrementAndGet() == 1) {
                throw new IOException("device error");
            }
            channel.force(false);
        })) {
            file.append(bytes("line\n"));

            assertThatThrownBy(file::sync)
                    .isInstanceOf(UncheckedIOException.class)
                    .hasMessageContaining("could not sync")
                    .hasMessageContaining("segment.log");
            file.sync();
            file.sync();
        }
        assertThat(forces).hasValue(2);
        assertThat(Files.readString(path)).isEqualTo("line\n");
    }

    @Test
    void sync_afterTheSegmentWasClosed_doesNothing() {
        AtomicInteger forces = new AtomicInteger();
        GroupCommitFile file = new GroupCommitFile(dir.resolve("segment.log"), false, channel -> {
            forces.incrementAndGet();
            channel.force(false);
        });
        file.append(bytes("line\n"));
        file.close();

        file.sync();

        assertThat(forces).hasValue(0);
    }

    private static long openDescriptorsOf(Path path) throws IOException {
        Path target = path.toRealPath();
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.filter(fd -> {
                        try {
                            return Files.readSymbolicLink(fd).equals(target);
                        } catch (IOException | UnsupportedOperationException e) {
                            return false; // closed meanwhile, or not a link
                        }
                    })
                    .count();
        }
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
