package dev.spendgate.bench;

import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How much latency and CPU the gateway adds per call: the same chat request is sent straight to the fake upstream
 * ("direct") and through the gateway (a separate JVM, so its CPU can be read from /proc), in alternating runs at
 * each concurrency. Keys, attribution headers, pricing and the usage log are all on.
 *
 * <pre>
 * mvn -q -pl bench -am -Pquick package &amp;&amp; java -cp "$(cat bench/target/classpath.txt):bench/target/classes" \
 *     dev.spendgate.bench.GatewayOverhead --conns 1,16,64 --duration 10 --warmup 15 --rounds 2
 * </pre>
 */
public final class GatewayOverhead {
    private static final String CHAT = """
            {"model":"gpt-4o-mini","temperature":0.2,"max_tokens":256,"user":"bench-user-42","messages":[
            {"role":"system","content":"You are a concise assistant for an internal engineering team. Answer in plain English, keep answers short, and cite the relevant internal runbook section when you know it. If the question is about costs, break the answer down by feature and by department. Never invent numbers; say that you do not know instead."},
            {"role":"user","content":"Our nightly batch job that summarises support tickets started costing about twice as much last week. The job calls the chat completions endpoint once per ticket with the full ticket thread as context. Nothing in the code changed, but the ticket volume went up by about 15 percent. What are the most likely reasons for the cost increase, and how should we check each of them?"},
            {"role":"assistant","content":"Likely causes, in order: (1) longer prompts, because ticket threads grew or an attachment extractor now inlines more text; check the average prompt_tokens per request before and after. (2) A model change through configuration, for example a default model bumped to a larger one; check the model field in the logs. (3) Retries, because timeouts or rate limits cause the job to resend requests; compare the request count with the ticket count. (4) Lower prompt-cache hit rate, because the system prompt moved or now contains a timestamp; compare cached_tokens."},
            {"role":"user","content":"Good. Prompt tokens per request went from about 1,900 to about 3,400 and cached_tokens dropped to almost zero. Where should we look first, and what is a cheap fix we can ship today?"}]}""";

    private GatewayOverhead() {}

    public static void main(String[] args) throws Exception {
        int[] conns = {1, 16, 64};
        int duration = 10;
        int warmup = 15;
        int rounds = 2;
        boolean stream = false;
        boolean budgets = false;
        String cache = "off";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--conns" ->
                    conns = Arrays.stream(args[++i].split(","))
                            .mapToInt(Integer::parseInt)
                            .toArray();
                case "--duration" -> duration = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--stream" -> stream = true;
                case "--budgets" -> budgets = true;
                case "--cache" -> cache = args[++i];
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + args[i]
                                    + " (use --conns 1,16,64 --duration S --warmup S --rounds N --stream --budgets --cache off|hit|miss)");
            }
        }
        if (!List.of("off", "hit", "miss").contains(cache)) {
            throw new IllegalArgumentException("--cache must be off, hit or miss");
        }
        if (duration < 1 || duration > 120 || rounds < 1 || rounds > 10 || warmup > 300) {
            throw new IllegalArgumentException("bounds: duration 1..120 s, rounds 1..10, warmup <= 300 s");
        }
        String body = stream ? CHAT.replace("\"max_tokens\":256,", "\"max_tokens\":256,\"stream\":true,") : CHAT;
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String secret = ProxyKeys.newSecret();
        Path dataDir = Files.createTempDirectory("spendgate-bench");

        try (FakeLlmUpstream upstream = FakeLlmUpstream.start()) {
            Process gateway = startGateway(upstream, dataDir, secret, budgets, cache);
            try {
                int gatewayPort = awaitPort(gateway);
                int upstreamPort = upstream.baseUri().getPort();
                byte[] direct =
                        LoadClient.request("/v1/chat/completions", bodyBytes, "Authorization: Bearer sk-fake-openai");
                byte[] viaGateway = LoadClient.request(
                        "/v1/chat/completions",
                        bodyBytes,
                        "Authorization: Bearer " + secret,
                        "X-Cost-Feature: chatbot",
                        "X-Cost-Department: engineering");
                System.out.printf(
                        Locale.ROOT,
                        "gateway pid %d, data %s, %s, cache %s, %d rounds x %d s, warmup %d s%n",
                        gateway.pid(),
                        dataDir,
                        stream ? "streaming" : "non-streaming",
                        cache,
                        rounds,
                        duration,
                        warmup);
                int maxConns = Arrays.stream(conns).max().orElse(1);
                System.out.println("warming up ...");
                run(upstreamPort, direct, maxConns, Math.max(1, warmup / 3));
                run(gatewayPort, viaGateway, maxConns, warmup);

                List<String> results = new ArrayList<>();
                System.out.println("conns  round  target   req/s     p50_ms   p90_ms   p99_ms   gw_cpu_ms/req  errors");
                for (int c : conns) {
                    double[] addP50 = new double[rounds];
                    double[] addP99 = new double[rounds];
                    double[] cpu = new double[rounds];
                    double[] ratio = new double[rounds];
                    double[] kernelShare = new double[rounds];
                    long errors = 0;
                    for (int r = 0; r < rounds; r++) {
                        Result d = run(upstreamPort, direct, c, duration);
                        long[] cpuBefore = cpuTicks(gateway.pid());
                        Result g = run(gatewayPort, viaGateway, c, duration);
                        long[] cpuAfter = cpuTicks(gateway.pid());
                        long user = cpuAfter[0] - cpuBefore[0];
                        long system = cpuAfter[1] - cpuBefore[1];
                        cpu[r] = (user + system) * 10.0 / Math.max(1, g.requests);
                        kernelShare[r] = system / (double) Math.max(1, user + system);
                        addP50[r] = g.p50 - d.p50;
                        addP99[r] = g.p99 - d.p99;
                        ratio[r] = g.rps() / d.rps();
                        errors += d.errors + g.errors;
                        print(c, r, "direct", d, Double.NaN);
                        print(c, r, "gateway", g, cpu[r]);
                    }
                    results.add(String.format(
                            Locale.ROOT,
                            "RESULT gateway=spendgate stream=%s conns=%d overhead_p50_ms=%.3f overhead_p99_ms=%.3f"
                                    + " budgets=%s cache=%s rps_ratio=%.3f gw_cpu_ms_per_req=%.3f gw_cpu_kernel_share=%.2f errors=%d"
                                    + " rounds=%d duration_s=%d",
                            stream,
                            c,
                            median(addP50),
                            median(addP99),
                            budgets,
                            cache,
                            median(ratio),
                            median(cpu),
                            median(kernelShare),
                            errors,
                            rounds,
                            duration));
                }
                System.out.printf(Locale.ROOT, "gateway RSS %d MB%n", rssKb(gateway.pid()) / 1024);
                results.forEach(System.out::println);
            } finally {
                gateway.destroy();
                gateway.waitFor();
            }
        }
    }

    private static Process startGateway(
            FakeLlmUpstream upstream, Path dataDir, String secret, boolean budgets, String cache) throws IOException {
        List<String> command = new ArrayList<>();
        String cpus = System.getenv("SPENDGATE_BENCH_GATEWAY_CPUS");
        if (cpus != null && !cpus.isBlank()) {
            // e.g. "1": the gateway alone on one core, as the shared harness's pinned layout runs it
            command.addAll(List.of("taskset", "-c", cpus.trim()));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String opts =
                System.getenv().getOrDefault("SPENDGATE_BENCH_GATEWAY_OPTS", "-Xms256m -Xmx512m -XX:+UseSerialGC");
        for (String opt : opts.trim().split("\\s+")) {
            if (!opt.isEmpty()) {
                command.add(opt);
            }
        }
        command.addAll(List.of(
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(), dataDir.toString(), secret));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("OPENAI_API_KEY", "sk-fake-openai");
        pb.environment().put("SPENDGATE_BENCH_BUDGETS", Boolean.toString(budgets));
        pb.environment().put("SPENDGATE_BENCH_CACHE", cache);
        pb.environment().put("SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl());
        pb.redirectErrorStream(true);
        return pb.start();
    }

    private static int awaitPort(Process gateway) throws IOException {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("PORT ")) {
                Thread drain = new Thread(() -> {
                    try {
                        while (out.readLine() != null) {
                            // keep the pipe empty
                        }
                    } catch (IOException ignored) {
                        // gateway stopped
                    }
                });
                drain.setDaemon(true);
                drain.start();
                return Integer.parseInt(line.substring(5).trim());
            }
            System.out.println("gateway: " + line);
        }
        throw new IOException("gateway exited before listening");
    }

    /** Closed loop: each connection sends its next request when the previous answer is in. */
    static Result run(int port, byte[] request, int connections, int seconds) throws Exception {
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        List<long[]> latencies = new ArrayList<>();
        AtomicLong errors = new AtomicLong();
        AtomicLong requests = new AtomicLong();
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            long[] samples = new long[Math.max(10_000, 60_000 * seconds / connections + 1)];
            latencies.add(samples);
            Thread t = new Thread(() -> {
                int n = 0;
                try (LoadClient client = new LoadClient(port)) {
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        int status = client.exchange(request);
                        long took = System.nanoTime() - start;
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                        if (n < samples.length) {
                            samples[n++] = took;
                        }
                    }
                } catch (IOException e) {
                    errors.incrementAndGet();
                } finally {
                    samples[samples.length - 1] = n;
                    requests.addAndGet(n);
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.start();
        }
        done.await();
        long total = requests.get();
        long[] all = new long[(int) total];
        int k = 0;
        for (long[] s : latencies) {
            int n = (int) s[s.length - 1];
            System.arraycopy(s, 0, all, k, n);
            k += n;
        }
        Arrays.sort(all);
        return new Result(total, errors.get(), seconds, pct(all, 0.50), pct(all, 0.90), pct(all, 0.99));
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }

    private static void print(int conns, int round, String target, Result r, double cpu) {
        System.out.printf(
                Locale.ROOT,
                "%5d  %5d  %-7s %8.0f  %8.3f %8.3f %8.3f   %s  %6d%n",
                conns,
                round,
                target,
                r.rps(),
                r.p50,
                r.p90,
                r.p99,
                Double.isNaN(cpu) ? "            " : String.format(Locale.ROOT, "%12.3f", cpu),
                r.errors);
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** utime and stime of the whole process, in clock ticks (10 ms). */
    private static long[] cpuTicks(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
    }

    private static long rssKb(long pid) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    record Result(long requests, long errors, int seconds, double p50, double p90, double p99) {
        double rps() {
            return requests / (double) seconds;
        }
    }
}
