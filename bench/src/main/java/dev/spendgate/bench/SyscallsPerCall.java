package dev.spendgate.bench;

import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Counts the gateway's system calls per proxied call: the same gateway JVM and fake upstream as {@link
 * GatewayOverhead}, warmed up, then {@code strace -f} attached to every thread of the gateway for a closed-loop run.
 *
 * <pre>
 * SyscallsPerCall [--budgets] [--stream] [--conns 16] [--warmup 20] [--duration 10] [--gateway 'SPEC']
 * </pre>
 *
 * <p>Prints each system call's count divided by the calls served, and for the calls on a socket, which leg it was on:
 * {@code client} (the gateway's listening port) or {@code upstream} (the fake upstream's port). strace stops the
 * traced thread at every call, so the run's latency and throughput mean nothing; only the counts do.
 */
public final class SyscallsPerCall {
    private static final Pattern LINE = Pattern.compile("^(?:\\[pid\\s+)?(\\d+)\\]?\\s+(\\w+)\\((.*)$");
    private static final Pattern RESUMED = Pattern.compile("^(?:\\[pid\\s+)?(\\d+)\\]?\\s+<\\.\\.\\. (\\w+) resumed>");
    private static final Pattern SOCKET = Pattern.compile("^(-?\\d+)<TCP(?:v6)?:\\[(.*?)\\]>");

    private SyscallsPerCall() {}

    public static void main(String[] args) throws Exception {
        int conns = 16;
        int warmup = 20;
        int duration = 10;
        boolean budgets = false;
        boolean stream = false;
        String spec = "";
        String tracer = "perf";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conns" -> conns = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--duration" -> duration = Integer.parseInt(args[++i]);
                case "--budgets" -> budgets = true;
                case "--stream" -> stream = true;
                case "--gateway" -> spec = args[++i];
                case "--tracer" -> tracer = args[++i];
                default -> throw new IllegalArgumentException("unknown argument " + args[i]);
            }
        }
        String body = stream
                ? GatewayOverhead.CHAT.replace("\"max_tokens\":256,", "\"max_tokens\":256,\"stream\":true,")
                : GatewayOverhead.CHAT;
        String secret = ProxyKeys.newSecret();
        Path dataDir = Files.createTempDirectory("spendgate-syscalls");
        System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        try (FakeLlmUpstream upstream =
                FakeLlmUpstream.start(FakeLlmUpstream.Options.defaults().withRecordLimit(0))) {
            Process gateway =
                    GatewayOverhead.startGateway(upstream.openAiBaseUrl(), dataDir, secret, budgets, "off", spec);
            try {
                int port = GatewayOverhead.awaitPort(
                        gateway, "gateway", new java.util.concurrent.ConcurrentLinkedQueue<>());
                int upstreamPort = upstream.baseUri().getPort();
                byte[] request = LoadClient.request(
                        "/v1/chat/completions",
                        body.getBytes(StandardCharsets.UTF_8),
                        "Authorization: Bearer " + secret,
                        "X-Cost-Feature: chatbot",
                        "X-Cost-Department: engineering");
                GatewayOverhead.Target target = new GatewayOverhead.Target(
                        port, request, "java", null, new java.util.concurrent.ConcurrentLinkedQueue<>(), gateway.pid());
                GatewayOverhead.run(target, conns, warmup);

                Path trace = dataDir.resolve(tracer + ".txt");
                List<String> command = new ArrayList<>();
                if (tracer.equals("strace")) {
                    String threads;
                    try (var tasks = Files.list(Path.of("/proc", Long.toString(gateway.pid()), "task"))) {
                        threads = tasks.map(p -> p.getFileName().toString()).collect(Collectors.joining(","));
                    }
                    command.addAll(
                            List.of("strace", "-f", "-yy", "-qq", "-s", "0", "-o", trace.toString(), "-p", threads));
                } else if (tracer.equals("perf")) {
                    // in-kernel counters on the syscall tracepoints: every thread of the gateway, little slow-down
                    command.addAll(List.of(
                            "perf",
                            "stat",
                            "-x,",
                            "-o",
                            trace.toString(),
                            "-e",
                            "syscalls:sys_enter_*",
                            "-e",
                            "syscalls:sys_exit_read",
                            "--filter",
                            "ret == -11",
                            "-p",
                            Long.toString(gateway.pid())));
                } else if (tracer.equals("perf-trace")) {
                    // per thread: each system call's count and kernel time (summary only)
                    command.addAll(
                            List.of("perf", "trace", "-s", "-o", trace.toString(), "-p", Long.toString(gateway.pid())));
                } else if (tracer.equals("perf-record")) {
                    // where the CPU goes, kernel included: perf report --children -i <file>
                    command.addAll(List.of(
                            "perf",
                            "record",
                            "-F",
                            "1999",
                            "-g",
                            "-o",
                            trace.toString(),
                            "-p",
                            Long.toString(gateway.pid())));
                } else if (tracer.equals("perf-eagain")) {
                    // the reads that found nothing to read, with their socket, to tell the legs apart
                    command.addAll(List.of(
                            "perf",
                            "trace",
                            "--failure",
                            "-e",
                            "read",
                            "-o",
                            trace.toString(),
                            "-p",
                            Long.toString(gateway.pid())));
                } else {
                    throw new IllegalArgumentException(
                            "--tracer must be strace, perf, perf-trace, perf-record or perf-eagain");
                }
                Process traced = new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(dataDir.resolve("tracer.log").toFile())
                        .start();
                Thread.sleep(2000); // attached to every thread
                // the sockets and their fds half-way through the run, while the client connections are open
                Path sockets = dataDir.resolve("sockets.txt");
                int half = duration * 500;
                Thread listing = new Thread(() -> {
                    try {
                        Thread.sleep(half);
                        new ProcessBuilder("ss", "-tanpH")
                                .redirectOutput(sockets.toFile())
                                .start()
                                .waitFor();
                    } catch (IOException | InterruptedException e) {
                        // the fds stay unnamed
                    }
                });
                listing.start();
                GatewayOverhead.Result run = GatewayOverhead.run(target, conns, duration);
                listing.join();
                new ProcessBuilder("kill", "-INT", Long.toString(traced.pid()))
                        .inheritIO()
                        .start()
                        .waitFor();
                traced.waitFor(30, TimeUnit.SECONDS);
                System.out.printf(
                        Locale.ROOT,
                        "calls %d (errors %d, %.0f/s under %s), %s, budgets %s, %d connections, gateway '%s'%n",
                        run.requests(),
                        run.errors(),
                        run.requests() / (double) duration,
                        tracer,
                        stream ? "streamed" : "buffered",
                        budgets,
                        conns,
                        spec);
                if (tracer.equals("strace")) {
                    reportStrace(trace, run.requests(), port, upstreamPort);
                } else if (tracer.equals("perf")) {
                    reportPerf(trace, run.requests());
                } else if (tracer.equals("perf-trace")) {
                    System.out.println(Files.readString(trace));
                } else if (tracer.equals("perf-eagain")) {
                    reportEagain(trace, sockets, gateway.pid(), run.requests(), port, upstreamPort);
                } else {
                    System.out.println("perf report --children -i " + trace);
                }
            } finally {
                gateway.destroy();
                gateway.waitFor();
            }
        }
    }

    /** Each call's count per proxied call, and on which leg its socket was. */
    private static void reportStrace(Path trace, long calls, int port, int upstreamPort) throws IOException {
        Map<String, long[]> counts = new TreeMap<>(); // name -> {all, client, upstream, other socket}
        List<String> lines = Files.readAllLines(trace, StandardCharsets.ISO_8859_1);
        String clientSide = ":" + port + "->";
        String upstreamSide = ":" + upstreamPort;
        for (String line : lines) {
            Matcher m = LINE.matcher(line);
            String name;
            String rest = "";
            if (m.find()) {
                name = m.group(2);
                rest = m.group(3);
            } else {
                continue; // "resumed" halves, signals and exits are counted with their call
            }
            long[] c = counts.computeIfAbsent(name, k -> new long[4]);
            c[0]++;
            Matcher s = SOCKET.matcher(rest);
            if (s.find()) {
                String endpoints = s.group(2);
                if (endpoints.contains(clientSide)) {
                    c[1]++;
                } else if (endpoints.endsWith(upstreamSide) || endpoints.contains(upstreamSide + "]->")) {
                    c[2]++;
                } else {
                    c[3]++;
                }
            }
        }
        System.out.println("syscall                per_call  client_leg  upstream_leg  other_socket");
        long total = 0;
        List<Map.Entry<String, long[]>> sorted = new ArrayList<>(counts.entrySet());
        sorted.sort((a, b) -> Long.compare(b.getValue()[0], a.getValue()[0]));
        for (Map.Entry<String, long[]> e : sorted) {
            long[] c = e.getValue();
            total += c[0];
            System.out.printf(
                    Locale.ROOT,
                    "%-20s %10.3f %11.3f %13.3f %13.3f%n",
                    e.getKey(),
                    c[0] / (double) calls,
                    c[1] / (double) calls,
                    c[2] / (double) calls,
                    c[3] / (double) calls);
        }
        System.out.printf(Locale.ROOT, "RESULT syscalls_per_call=%.2f calls=%d%n", total / (double) calls, calls);
    }

    /** perf stat's counts per proxied call; {@code read_EAGAIN} is the reads that found nothing to read. */
    private static void reportPerf(Path trace, long calls) throws IOException {
        List<String[]> rows = new ArrayList<>();
        long total = 0;
        for (String line : Files.readAllLines(trace, StandardCharsets.UTF_8)) {
            String[] f = line.split(",");
            if (f.length < 3 || !f[0].matches("\\d+") || f[0].equals("0")) {
                continue;
            }
            String name = f[2].replace("syscalls:sys_enter_", "").replace("syscalls:sys_exit_read", "read_EAGAIN");
            if (!name.equals("read_EAGAIN")) {
                total += Long.parseLong(f[0]);
            }
            rows.add(new String[] {name, f[0]});
        }
        rows.sort((a, b) -> Long.compare(Long.parseLong(b[1]), Long.parseLong(a[1])));
        System.out.println("syscall                per_call");
        for (String[] r : rows) {
            System.out.printf(Locale.ROOT, "%-20s %10.3f%n", r[0], Long.parseLong(r[1]) / (double) calls);
        }
        System.out.printf(Locale.ROOT, "RESULT syscalls_per_call=%.2f calls=%d%n", total / (double) calls, calls);
    }

    /** The failed reads per call on each leg, the sockets told apart by {@code ss}'s ports for each fd. */
    private static void reportEagain(Path trace, Path sockets, long pid, long calls, int port, int upstreamPort)
            throws IOException {
        Map<String, String> legs = new TreeMap<>();
        Pattern socket = Pattern.compile("pid=" + pid + ",fd=(\\d+)");
        for (String line : Files.readAllLines(sockets, StandardCharsets.UTF_8)) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 6) {
                continue;
            }
            String leg =
                    f[3].endsWith(":" + port) ? "client" : f[4].endsWith(":" + upstreamPort) ? "upstream" : "other";
            Matcher m = socket.matcher(line);
            while (m.find()) {
                legs.put(m.group(1), leg);
            }
        }
        Map<String, Long> counts = new TreeMap<>();
        Pattern read = Pattern.compile("read\\(fd: (\\d+)");
        for (String line : Files.readAllLines(trace, StandardCharsets.UTF_8)) {
            Matcher m = read.matcher(line);
            if (m.find()) {
                String leg =
                        legs.getOrDefault(m.group(1), "unknown fd " + (line.contains("EAGAIN") ? "" : "not-EAGAIN"));
                counts.merge(leg + (line.contains("EAGAIN") ? " EAGAIN" : " other error"), 1L, Long::sum);
            }
        }
        counts.forEach((k, v) -> System.out.printf(Locale.ROOT, "%-28s %8.3f per call%n", k, v / (double) calls));
    }
}
