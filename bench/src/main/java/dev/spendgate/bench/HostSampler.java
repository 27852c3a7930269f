package dev.spendgate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the host did during a run, to tell a stall of the gateway from a stall of the machine: every 50 ms the
 * per-CPU steal and busy ticks from {@code /proc/stat} (steal is time the hypervisor ran something else on this
 * virtual CPU), and every 5 ms how late this JVM's own sleeping thread woke up ("hiccups" of the harness: GC,
 * steal, or CPU 0 saturated). Timestamps are {@link System#nanoTime()}.
 */
final class HostSampler implements AutoCloseable {
    private static final Path PROC_STAT = Path.of("/proc/stat");
    private static final long HICCUP_NANOS = 10_000_000L;

    /** One /proc/stat reading: nanoTime and, per CPU, cumulative steal and busy ticks (10 ms). */
    record Sample(long nanos, long[] steal, long[] busy) {}

    private final List<Sample> samples = new ArrayList<>();
    private final ConcurrentLinkedQueue<long[]> hiccups = new ConcurrentLinkedQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    private HostSampler() {
        thread = new Thread(this::loop, "host-sampler");
        thread.setDaemon(true);
        thread.setPriority(Thread.MAX_PRIORITY);
    }

    static HostSampler start() {
        HostSampler sampler = new HostSampler();
        sampler.read();
        sampler.thread.start();
        return sampler;
    }

    private void loop() {
        long lastRead = System.nanoTime();
        while (running) {
            long before = System.nanoTime();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            long late = now - before - 5_000_000L;
            if (late > HICCUP_NANOS) {
                hiccups.add(new long[] {before, late});
            }
            if (now - lastRead >= 50_000_000L) {
                read();
                lastRead = now;
            }
        }
    }

    private void read() {
        long now = System.nanoTime();
        try {
            List<String> lines = Files.readAllLines(PROC_STAT);
            List<long[]> cpus = new ArrayList<>();
            for (String line : lines) {
                if (line.startsWith("cpu") && Character.isDigit(line.charAt(3))) {
                    String[] f = line.trim().split("\\s+");
                    long user = Long.parseLong(f[1]);
                    long nice = Long.parseLong(f[2]);
                    long system = Long.parseLong(f[3]);
                    long irq = Long.parseLong(f[6]);
                    long softirq = Long.parseLong(f[7]);
                    long steal = Long.parseLong(f[8]);
                    cpus.add(new long[] {steal, user + nice + system + irq + softirq});
                }
            }
            long[] steal = new long[cpus.size()];
            long[] busy = new long[cpus.size()];
            for (int i = 0; i < cpus.size(); i++) {
                steal[i] = cpus.get(i)[0];
                busy[i] = cpus.get(i)[1];
            }
            synchronized (samples) {
                samples.add(new Sample(now, steal, busy));
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or an unexpected layout: no host figures, the run goes on
        }
    }

    /**
     * Steal ticks (10 ms each) per CPU between the samples that enclose {@code [fromNanos, toNanos]}; empty when
     * there are no samples.
     */
    long[] stealTicks(long fromNanos, long toNanos) {
        return delta(fromNanos, toNanos, true);
    }

    /** Busy ticks (user, nice, system, irq, softirq) per CPU, like {@link #stealTicks}. */
    long[] busyTicks(long fromNanos, long toNanos) {
        return delta(fromNanos, toNanos, false);
    }

    private long[] delta(long fromNanos, long toNanos, boolean steal) {
        Sample first = null;
        Sample last = null;
        synchronized (samples) {
            for (Sample s : samples) {
                if (s.nanos <= fromNanos) {
                    first = s;
                }
                if (last == null && s.nanos >= toNanos) {
                    last = s;
                }
            }
            if (first == null && !samples.isEmpty()) {
                first = samples.get(0);
            }
            if (last == null && !samples.isEmpty()) {
                last = samples.get(samples.size() - 1);
            }
        }
        if (first == null || last == null) {
            return new long[0];
        }
        long[] a = steal ? first.steal : first.busy;
        long[] b = steal ? last.steal : last.busy;
        long[] d = new long[Math.min(a.length, b.length)];
        for (int i = 0; i < d.length; i++) {
            d[i] = b[i] - a[i];
        }
        return d;
    }

    /** The harness's own hiccups (sleep overshoot over 10 ms) overlapping {@code [fromNanos, toNanos]}, in ms. */
    double hiccupMs(long fromNanos, long toNanos) {
        double worst = 0;
        for (long[] h : hiccups) {
            if (h[0] < toNanos && h[0] + h[1] + 5_000_000L > fromNanos) {
                worst = Math.max(worst, h[1] / 1e6);
            }
        }
        return worst;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
