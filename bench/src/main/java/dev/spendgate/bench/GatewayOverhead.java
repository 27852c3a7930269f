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
    static final String CHAT = """
            {"model":"gpt-4o-mini","temperature":0.2,"max_tokens":256,"user":"bench-user-42","messages":[
            {"role":"system","content":"You are a concise assistant for an internal engineering team. Answer in plain English, keep answers short, and cite the relevant internal runbook section when you know it. If the question is about costs, break the answer down by feature and by department. Never invent numbers; say that you do not know instead."},
            {"role":"user","content":"Our nightly batch job that summarises support tickets started costing about twice as much last week. The job calls the chat completions endpoint once per ticket with the full ticket thread as context. Nothing in the code changed, but the ticket volume went up by about 15 percent. What are the most likely reasons for the cost increase, and how should we check each of them?"},
            {"role":"assistant","content":"Likely causes, in order: (1) longer prompts, because ticket threads grew or an attachment extractor now inlines more text; check the average prompt_tokens per request before and after. (2) A model change through configuration, for example a default model bumped to a larger one; check the model field in the logs. (3) Retries, because timeouts or rate limits cause the job to resend requests; compare the request count with the ticket count. (4) Lower prompt-cache hit rate, because the system prompt moved or now contains a timestamp; compare cached_tokens."},
            {"role":"user","content":"Good. Prompt tokens per request went from about 1,900 to about 3,400 and cached_tokens dropped to almost zero. Where should we look first, and what is a cheap fix we can ship today?"}]}""";

    /** Calls slower than this are kept with their start time, so the slowest can be matched with GC logs. */
    private static final long SLOW_CALL_NANOS = 5_000_000L;

    /** A gap this long with no call completing on any connection is a stall of the whole target. */
    private static final long STALL_NANOS = 20_000_000L;

    /** The gateway JVM's options when a variant names none: the default of {@code ./spendgate}. */
    static final List<String> DEFAULT_GATEWAY_OPTIONS = List.of("-XX:+UseSerialGC", "-XX:NewRatio=1");

    /** Steal and busy ticks per CPU and the harness's own hiccups, for the stalls' lines. */
    private static HostSampler host;

    private static final java.time.format.DateTimeFormatter CLOCK_TIME =
            java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(java.time.ZoneOffset.UTC);

    private GatewayOverhead() {}

    public static void main(String[] args) throws Exception {
        int[] conns = {1, 16, 64};
        int duration = 10;
        int warmup = 15;
        int rounds = 2;
        boolean stream = false;
        boolean budgets = false;
        String cache = "off";
        double tailMs = 10;
        String load = "java";
        String upstreamKind = "fake";
        List<String[]> gatewaySpecs = new ArrayList<>();
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
                case "--tail-ms" -> tailMs = Double.parseDouble(args[++i]);
                case "--load" -> load = args[++i];
                case "--upstream" -> upstreamKind = args[++i];
                case "--think-ms" -> thinkMillis = Integer.parseInt(args[++i]);
                case "--dump-on-stall" -> dumpAfterNanos = Long.parseLong(args[++i]) * 1_000_000L;
                case "--trace-exchanges" -> traceExchangesMs = Integer.parseInt(args[++i]);
                case "--gateway" -> {
                    String spec = args[++i];
                    int eq = spec.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException(
                                "--gateway NAME=SPEC (JVM options and ENV=value), was " + spec);
                    }
                    gatewaySpecs.add(new String[] {spec.substring(0, eq), spec.substring(eq + 1)});
                }
                default ->
                    throw new IllegalArgumentException(
                            "unknown option " + args[i]
                                    + " (use --conns 1,16,64 --duration S --warmup S --rounds N --stream --budgets --cache off|hit|miss"
                                    + " --tail-ms MS --load java|wrk --upstream fake|replay --think-ms MS --dump-on-stall MS --trace-exchanges MS --gateway NAME='JVM options ENV=value ...')");
            }
        }
        if (!List.of("fake", "replay").contains(upstreamKind)) {
            throw new IllegalArgumentException("--upstream must be fake or replay");
        }
        if (!List.of("java", "wrk").contains(load)) {
            throw new IllegalArgumentException("--load must be java or wrk");
        }
        if (!List.of("off", "hit", "miss").contains(cache)) {
            throw new IllegalArgumentException("--cache must be off, hit or miss");
        }
        if (duration < 1 || duration > 120 || rounds < 1 || rounds > 10 || warmup > 300) {
            throw new IllegalArgumentException("bounds: duration 1..120 s, rounds 1..10, warmup <= 300 s");
        }
        if (gatewaySpecs.isEmpty()) {
            gatewaySpecs.add(
                    new String[] {"spendgate", System.getenv().getOrDefault("SPENDGATE_BENCH_GATEWAY_OPTS", "")});
        }
        String body = stream ? CHAT.replace("\"max_tokens\":256,", "\"max_tokens\":256,\"stream\":true,") : CHAT;
        byte[] bodyBytes = body.getBytes(StandardCharsets.UTF_8);
        String secret = ProxyKeys.newSecret();
        Path dataDir = Files.createTempDirectory("spendgate-bench");

        // The JDK server behind the fake upstream closes a connection after its answer once 200 are idle; the
        // gateways' pooled upstream connections count too, so with several gateways the direct runs lost their
        // connections after one call. This JVM is the benchmark alone.
        if (System.getProperty("sun.net.httpserver.maxIdleConnections") == null) {
            System.setProperty("sun.net.httpserver.maxIdleConnections", "4096");
        }
        try (FakeLlmUpstream upstream =
                        FakeLlmUpstream.start(FakeLlmUpstream.Options.defaults().withRecordLimit(0));
                ReplayUpstream replay = upstreamKind.equals("replay")
                        ? ReplayUpstream.start(upstream.baseUri().getPort(), body)
                        : null) {
            String upstreamUrl = replay != null ? replay.openAiBaseUrl() : upstream.openAiBaseUrl();
            if (traceExchangesMs > 0) {
                if (replay != null) {
                    throw new IllegalArgumentException("--trace-exchanges needs --upstream fake");
                }
                trace = new ExchangeTrace();
                upstream.timeAnswers(trace::answered);
            }
            List<Gateway> gateways = new ArrayList<>();
            try {
                for (String[] spec : gatewaySpecs) {
                    Process process =
                            startGateway(upstreamUrl, dataDir.resolve(spec[0]), secret, budgets, cache, spec[1]);
                    Gateway gateway = new Gateway(spec[0], spec[1], process);
                    gateways.add(gateway);
                    gateway.port = awaitPort(process, spec[0], gateway.hiccups, gateway.exchanges);
                }
                int upstreamPort =
                        replay != null ? replay.port() : upstream.baseUri().getPort();
                byte[] direct =
                        LoadClient.request("/v1/chat/completions", bodyBytes, "Authorization: Bearer sk-fake-openai");
                byte[] viaGateway = LoadClient.request(
                        "/v1/chat/completions",
                        bodyBytes,
                        "Authorization: Bearer " + secret,
                        "X-Cost-Feature: chatbot",
                        "X-Cost-Department: engineering");
                Target directTarget = new Target(
                        upstreamPort, direct, load, bodyBytes, null, 0, "Authorization: Bearer sk-fake-openai");
                String loadKind = load;
                java.util.function.Function<Gateway, Target> gatewayTarget = g -> new Target(
                        g.port,
                        viaGateway,
                        loadKind,
                        bodyBytes,
                        g.hiccups,
                        g.process.pid(),
                        "Authorization: Bearer " + secret,
                        "X-Cost-Feature: chatbot",
                        "X-Cost-Department: engineering");
                host = HostSampler.start();
                System.out.printf(
                        Locale.ROOT,
                        "data %s, %s, cache %s, budgets %s, %d rounds x %d s, warmup %d s, load %s, upstream %s, slow connection:"
                                + " max > %.1f ms or starved: fewer than half the median connection's calls%n",
                        dataDir,
                        stream ? "streaming" : "non-streaming",
                        cache,
                        budgets,
                        rounds,
                        duration,
                        warmup,
                        load,
                        upstreamKind,
                        tailMs);
                for (Gateway g : gateways) {
                    System.out.printf(Locale.ROOT, "gateway %s pid %d: %s%n", g.name, g.process.pid(), g.spec);
                }
                int maxConns = Arrays.stream(conns).max().orElse(1);
                System.out.println("warming up ...");
                run(directTarget, maxConns, Math.max(1, warmup / 3));
                for (Gateway g : gateways) {
                    run(gatewayTarget.apply(g), maxConns, warmup);
                }

                List<String> results = new ArrayList<>();
                System.out.println("conns round target        req/s   p50_ms   p90_ms   p99_ms  p99.9_ms p99.99_ms"
                        + "   max_ms  calls/conn min..med..max  starved slow  gw_cpu_ms/req errors");
                for (int c : conns) {
                    for (Gateway g : gateways) {
                        g.clear(rounds);
                    }
                    long directErrors = 0;
                    for (int r = 0; r < rounds; r++) {
                        Result d = run(directTarget, c, duration);
                        directErrors += d.errors;
                        print(c, r, "direct", d, Double.NaN, tailMs);
                        // the gateways' order rotates every round, so drift does not always hit the same one
                        for (int k = 0; k < gateways.size(); k++) {
                            Gateway g = gateways.get((k + r) % gateways.size());
                            long[] cpuBefore = cpuTicks(g.process.pid());
                            if (trace != null) {
                                g.exchanges.clear();
                                trace.clear();
                            }
                            Result res = run(gatewayTarget.apply(g), c, duration);
                            long[] cpuAfter = cpuTicks(g.process.pid());
                            long user = cpuAfter[0] - cpuBefore[0];
                            long system = cpuAfter[1] - cpuBefore[1];
                            g.cpu[r] = (user + system) * 10.0 / Math.max(1, res.requests);
                            g.kernelShare[r] = system / (double) Math.max(1, user + system);
                            g.addP50[r] = res.p50 - d.p50;
                            g.addP99[r] = res.p99 - d.p99;
                            g.addP999[r] = res.p999 - d.p999;
                            g.addSteadyP99[r] = res.steadyP99 - d.steadyP99;
                            g.addSteadyP999[r] = res.steadyP999 - d.steadyP999;
                            g.p999[r] = res.p999;
                            g.max[r] = res.max;
                            g.ratio[r] = res.rps() / d.rps();
                            g.starved = Math.max(g.starved, res.starved());
                            g.slow = Math.max(g.slow, res.slow(tailMs));
                            g.errors += res.errors;
                            print(c, r, g.name, res, g.cpu[r], tailMs);
                            if (trace != null) {
                                Thread.sleep(200); // the gateway's last EXCHANGE lines
                                System.out.printf(Locale.ROOT, "%24s %s%n", "", trace.report(g.exchanges));
                                System.out.printf(
                                        Locale.ROOT, "%24s %s%n", "", trace.stageReport(traceExchangesMs * 1_000_000L));
                            }
                        }
                    }
                    for (Gateway g : gateways) {
                        results.add(String.format(
                                Locale.ROOT,
                                "RESULT gateway=%s stream=%s conns=%d overhead_p50_ms=%.3f overhead_p99_ms=%.3f"
                                        + " overhead_p999_ms=%.3f steady_overhead_p99_ms=%.3f"
                                        + " steady_overhead_p999_ms=%.3f gw_p999_ms=%.3f gw_max_ms=%.3f starved_conns=%d"
                                        + " slow_conns=%d budgets=%s cache=%s rps_ratio=%.3f gw_cpu_ms_per_req=%.3f"
                                        + " gw_cpu_kernel_share=%.2f errors=%d rounds=%d duration_s=%d",
                                g.name,
                                stream,
                                c,
                                median(g.addP50),
                                median(g.addP99),
                                median(g.addP999),
                                median(g.addSteadyP99),
                                median(g.addSteadyP999),
                                median(g.p999),
                                Arrays.stream(g.max).max().orElse(Double.NaN),
                                g.starved,
                                g.slow,
                                budgets,
                                cache,
                                median(g.ratio),
                                median(g.cpu),
                                median(g.kernelShare),
                                g.errors + directErrors,
                                rounds,
                                duration));
                    }
                }
                for (Gateway g : gateways) {
                    System.out.printf(Locale.ROOT, "gateway %s RSS %d MB%n", g.name, rssKb(g.process.pid()) / 1024);
                }
                results.forEach(System.out::println);
            } finally {
                if (host != null) {
                    host.close();
                }
                for (Gateway g : gateways) {
                    g.process.destroy();
                    g.process.waitFor();
                }
            }
        }
    }

    /** One gateway JVM of the run and its per-round figures at the current concurrency. */
    private static final class Gateway {
        final String name;
        final String spec;
        final Process process;
        int port;
        double[] addP50;
        double[] addP99;
        double[] addP999;
        double[] addSteadyP99;
        double[] addSteadyP999;
        double[] p999;
        double[] max;
        double[] cpu;
        double[] ratio;
        double[] kernelShare;
        int starved;
        int slow;
        long errors;
        /** With {@code --trace-exchanges}: its slow upstream exchanges, from its {@code EXCHANGE} lines. */
        final java.util.concurrent.ConcurrentLinkedQueue<long[]> exchanges =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        /** The gateway JVM's own hiccups, {@code [epoch ms, late ms]}, from its {@code HICCUP} lines. */
        final java.util.concurrent.ConcurrentLinkedQueue<double[]> hiccups =
                new java.util.concurrent.ConcurrentLinkedQueue<>();

        Gateway(String name, String spec, Process process) {
            this.name = name;
            this.spec = spec;
            this.process = process;
        }

        void clear(int rounds) {
            addP50 = new double[rounds];
            addP99 = new double[rounds];
            addP999 = new double[rounds];
            addSteadyP99 = new double[rounds];
            addSteadyP999 = new double[rounds];
            p999 = new double[rounds];
            max = new double[rounds];
            cpu = new double[rounds];
            ratio = new double[rounds];
            kernelShare = new double[rounds];
            starved = 0;
            slow = 0;
            errors = 0;
        }
    }

    /**
     * Starts one gateway JVM. {@code spec} holds its JVM options, {@code NAME=value} environment variables
     * (upper-case names) and {@code -cp DIR} (classes ahead of the benchmark's own), whitespace-separated; without JVM
     * options it gets {@link #DEFAULT_GATEWAY_OPTIONS}.
     */
    static Process startGateway(
            String upstreamUrl, Path dataDir, String secret, boolean budgets, String cache, String spec)
            throws IOException {
        Files.createDirectories(dataDir);
        List<String> jvmOptions = new ArrayList<>();
        java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
        String classPath = System.getProperty("java.class.path");
        String[] tokens = spec.trim().split("\\s+");
        for (int i = 0; i < tokens.length; i++) {
            String token = tokens[i];
            if (token.isEmpty()) {
                continue;
            }
            if ((token.equals("-cp") || token.equals("-classpath")) && i + 1 < tokens.length) {
                // put ahead of the benchmark's own classes, e.g. an earlier build of a class to compare against
                classPath = tokens[++i] + java.io.File.pathSeparator + classPath;
            } else if (token.matches("[A-Z][A-Z0-9_]*=.*")) {
                env.put(token.substring(0, token.indexOf('=')), token.substring(token.indexOf('=') + 1));
            } else {
                jvmOptions.add(token);
            }
        }
        if (jvmOptions.isEmpty()) {
            jvmOptions.addAll(DEFAULT_GATEWAY_OPTIONS);
        }
        String ownDataDir = env.remove("SPENDGATE_BENCH_DATA_DIR");
        if (ownDataDir != null) {
            // e.g. a tmpfs, so the usage log and journals never wait for the disk
            dataDir = Files.createDirectories(Path.of(ownDataDir));
        }
        List<String> command = new ArrayList<>();
        String cpus = System.getenv("SPENDGATE_BENCH_GATEWAY_CPUS");
        if (cpus != null && !cpus.isBlank()) {
            // e.g. "1": the gateway alone on one core, as the shared harness's pinned layout runs it
            command.addAll(List.of("taskset", "-c", cpus.trim()));
        }
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", classPath, GatewayMain.class.getName(), dataDir.toString(), secret));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("OPENAI_API_KEY", "sk-fake-openai");
        pb.environment().put("SPENDGATE_BENCH_BUDGETS", Boolean.toString(budgets));
        pb.environment().put("SPENDGATE_BENCH_CACHE", cache);
        pb.environment().put("SPENDGATE_OPENAI_BASE_URL", upstreamUrl);
        if (traceExchangesMs > 0) {
            pb.environment().put("SPENDGATE_BENCH_SLOW_EXCHANGE_MS", Integer.toString(traceExchangesMs));
        }
        pb.environment().putAll(env);
        pb.redirectErrorStream(true);
        return pb.start();
    }

    static int awaitPort(Process gateway, String name, java.util.concurrent.ConcurrentLinkedQueue<double[]> hiccups)
            throws IOException {
        return awaitPort(gateway, name, hiccups, new java.util.concurrent.ConcurrentLinkedQueue<>());
    }

    static int awaitPort(
            Process gateway,
            String name,
            java.util.concurrent.ConcurrentLinkedQueue<double[]> hiccups,
            java.util.concurrent.ConcurrentLinkedQueue<long[]> exchanges)
            throws IOException {
        BufferedReader out =
                new BufferedReader(new InputStreamReader(gateway.getInputStream(), StandardCharsets.UTF_8));
        for (String line = out.readLine(); line != null; line = out.readLine()) {
            if (line.startsWith("PORT ")) {
                Thread drain = new Thread(() -> {
                    try {
                        for (String l = out.readLine(); l != null; l = out.readLine()) {
                            // keep the pipe empty; GatewayMain's "HICCUP epochMillis lateMs" lines are kept
                            if (l.startsWith("HICCUP ")) {
                                String[] f = l.split(" ");
                                hiccups.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2])});
                            } else if (l.startsWith("EXCHANGE ")) {
                                exchanges.add(ExchangeTrace.parse(l));
                            } else if (l.startsWith("STAGES ") && trace != null) {
                                trace.stages(l);
                            }
                        }
                    } catch (IOException ignored) {
                        // gateway stopped
                    }
                });
                drain.setDaemon(true);
                drain.setName("drain-" + name);
                drain.start();
                return Integer.parseInt(line.substring(5).trim());
            }
            System.out.println(name + ": " + line);
        }
        throw new IOException("gateway exited before listening");
    }

    /**
     * Closed loop: each connection sends its next request when the previous answer is in. Every latency is kept, so
     * the tail (p99.9, p99.99, max) and each connection's count and worst call come from all the calls.
     */
    static Result run(Target target, int connections, int seconds) throws Exception {
        if (target.load.equals("wrk")) {
            return runWrk(target, connections, seconds);
        }
        int port = target.port;
        byte[] request = target.request;
        long begin = System.nanoTime();
        long beginMillis = System.currentTimeMillis();
        long end = begin + seconds * 1_000_000_000L;
        java.util.concurrent.atomic.AtomicLongArray perSecond =
                new java.util.concurrent.atomic.AtomicLongArray(seconds + 1);
        java.util.concurrent.ConcurrentLinkedQueue<long[]> slowest = new java.util.concurrent.ConcurrentLinkedQueue<>();
        long[][] latencies = new long[connections][];
        int[] counts = new int[connections];
        int[] firstSecond = new int[connections]; // calls that started in the run's first second: a prefix of each
        long[] worst = new long[connections];
        long[][] ends = new long[connections][];
        java.util.concurrent.atomic.AtomicLongArray inFlight =
                new java.util.concurrent.atomic.AtomicLongArray(connections);
        java.util.concurrent.atomic.AtomicIntegerArray localPorts =
                new java.util.concurrent.atomic.AtomicIntegerArray(connections);
        java.util.concurrent.atomic.AtomicLongArray callSeq =
                new java.util.concurrent.atomic.AtomicLongArray(connections);
        AtomicLong errors = new AtomicLong();
        CountDownLatch done = new CountDownLatch(connections);
        for (int i = 0; i < connections; i++) {
            int conn = i;
            Thread t = new Thread(() -> {
                long[] samples = new long[16_384];
                long[] done1 = new long[16_384];
                long[][] mine = new long[5][4];
                byte[] mineRequest = trace == null ? request : ExchangeTrace.withCallHeader(request, conn);
                int seqAt = trace == null ? -1 : ExchangeTrace.sequenceOffset(mineRequest);
                int n = 0;
                long max = 0;
                try (LoadClient client = new LoadClient(port)) {
                    localPorts.set(conn, client.localPort());
                    while (System.nanoTime() < end) {
                        long start = System.nanoTime();
                        callSeq.set(conn, n);
                        inFlight.set(conn, start);
                        if (seqAt >= 0) {
                            ExchangeTrace.setSequence(mineRequest, seqAt, n);
                        }
                        int status = client.exchange(mineRequest);
                        long took = System.nanoTime() - start;
                        inFlight.set(conn, 0);
                        if (status != 200) {
                            errors.incrementAndGet();
                        }
                        if (n == samples.length) {
                            samples = Arrays.copyOf(samples, n * 2);
                            done1 = Arrays.copyOf(done1, n * 2);
                        }
                        done1[n] = start + took - begin;
                        samples[n++] = took;
                        max = Math.max(max, took);
                        if (start - begin < 1_000_000_000L) {
                            firstSecond[conn] = n;
                        }
                        perSecond.incrementAndGet((int) Math.min(seconds, (start + took - begin) / 1_000_000_000L));
                        if (took > SLOW_CALL_NANOS && took > mine[4][1]) {
                            // this connection's five slowest, so the run's five slowest are among them
                            mine[4] = new long[] {start - begin, took, conn, n - 1};
                            Arrays.sort(mine, (a, b) -> Long.compare(b[1], a[1]));
                        }
                    }
                } catch (IOException e) {
                    if (errors.getAndIncrement() == 0) {
                        System.out.printf(Locale.ROOT, "connection %d to port %d: %s%n", conn, port, e);
                    }
                } finally {
                    for (long[] w : mine) {
                        if (w[1] > 0) {
                            slowest.add(w);
                        }
                    }
                    latencies[conn] = samples;
                    ends[conn] = done1;
                    counts[conn] = n;
                    worst[conn] = max;
                    done.countDown();
                }
            });
            t.setDaemon(true);
            t.setName("load-" + i);
            t.start();
        }
        String dump = dumpAfterNanos > 0 && target.pid > 0
                ? watchForStall(target.pid, inFlight, localPorts, callSeq, done)
                : "";
        done.await();
        long total = Arrays.stream(counts).asLongStream().sum();
        long[] all = new long[(int) total];
        int k = 0;
        for (int i = 0; i < connections; i++) {
            System.arraycopy(latencies[i], 0, all, k, counts[i]);
            k += counts[i];
        }
        long[] steady = new long
                [(int) (total - Arrays.stream(firstSecond).asLongStream().sum())];
        int m = 0;
        for (int i = 0; i < connections; i++) {
            System.arraycopy(latencies[i], firstSecond[i], steady, m, counts[i] - firstSecond[i]);
            m += counts[i] - firstSecond[i];
        }
        Arrays.sort(steady);
        Arrays.sort(all);
        long[] completions = new long[(int) total];
        int e = 0;
        for (int i = 0; i < connections; i++) {
            System.arraycopy(ends[i], 0, completions, e, counts[i]);
            e += counts[i];
        }
        String stalls = stalls(completions, begin, beginMillis, seconds, target.hiccups) + dump;
        long[] seconds1 = new long[seconds];
        for (int i = 0; i < seconds; i++) {
            seconds1[i] = perSecond.get(i);
        }
        Arrays.sort(seconds1);
        StringBuilder slowCalls = new StringBuilder();
        int over100 = 0;
        for (int i = all.length - 1; i >= 0 && all[i] > 100_000_000L; i--) {
            over100++;
        }
        if (over100 > 0) {
            slowCalls.append(String.format(Locale.ROOT, " (%d calls over 100 ms)", over100));
        }
        slowest.stream()
                .sorted((a, b) -> Long.compare(b[1], a[1]))
                .limit(5)
                .forEach(w -> slowCalls.append(String.format(
                        Locale.ROOT,
                        " %s+%.1fms(conn %d)%s",
                        CLOCK_TIME.format(java.time.Instant.ofEpochMilli(beginMillis + w[0] / 1_000_000L)),
                        w[1] / 1e6,
                        w[2],
                        trace == null ? "" : trace.call((int) w[2], w[3], begin + w[0], w[1]))));
        return new Result(
                total,
                errors.get(),
                seconds,
                pct(all, 0.50),
                pct(all, 0.90),
                pct(all, 0.99),
                pct(all, 0.999),
                pct(all, 0.9999),
                all.length == 0 ? Double.NaN : all[all.length - 1] / 1e6,
                counts,
                Arrays.stream(worst).mapToDouble(w -> w / 1e6).toArray(),
                seconds1.length == 0 ? 0 : seconds1[0],
                seconds1.length == 0 ? 0 : seconds1[seconds1.length / 2],
                slowCalls.toString(),
                pct(steady, 0.99),
                pct(steady, 0.999),
                steady.length == 0 ? Double.NaN : steady[steady.length - 1] / 1e6,
                stalls);
    }

    /**
     * The run's stalls: gaps of {@link #STALL_NANOS} or more in which no call completed on any connection (all of
     * them waiting at once), with what the host and the gateway JVM did meanwhile: steal per CPU (ms the hypervisor
     * ran something else), busy per CPU, the harness JVM's worst hiccup and the gateway JVM's worst hiccup (a
     * platform thread's sleep overshoot), so a stall of the machine or the harness tells itself apart from one of
     * the gateway. Also the run's total steal per CPU.
     */
    private static String stalls(
            long[] completions, long begin, long beginMillis, int seconds, java.util.Queue<double[]> gatewayHiccups) {
        Arrays.sort(completions);
        List<long[]> gaps = new ArrayList<>();
        long previous = 0;
        for (long c : completions) {
            if (c - previous >= STALL_NANOS) {
                gaps.add(new long[] {previous, c - previous});
            }
            previous = c;
        }
        StringBuilder sb = new StringBuilder();
        long stalled = gaps.stream().mapToLong(g -> g[1]).sum();
        sb.append(String.format(
                Locale.ROOT,
                "stalls >= %d ms: %d, %.0f ms in all; %s",
                STALL_NANOS / 1_000_000L,
                gaps.size(),
                stalled / 1e6,
                hostLine(begin, seconds)));
        gaps.stream().sorted((a, b) -> Long.compare(b[1], a[1])).limit(3).forEach(g -> {
            long from = begin + g[0];
            long to = from + g[1];
            long epochFrom = beginMillis + g[0] / 1_000_000L;
            long epochTo = epochFrom + g[1] / 1_000_000L;
            double gwHiccup = 0;
            if (gatewayHiccups != null) {
                for (double[] h : gatewayHiccups) {
                    if (h[0] < epochTo && h[0] + h[1] + 5 > epochFrom) {
                        gwHiccup = Math.max(gwHiccup, h[1]);
                    }
                }
            }
            sb.append(String.format(
                    Locale.ROOT,
                    "%n%24s stall %s+%.1fms: steal/busy per CPU (ms, 50 ms samples) %s, harness hiccup %.0f ms%s",
                    "",
                    CLOCK_TIME.format(java.time.Instant.ofEpochMilli(epochFrom)),
                    g[1] / 1e6,
                    ticks(host.stealTicks(from, to), host.busyTicks(from, to)),
                    host.hiccupMs(from, to),
                    gatewayHiccups == null ? "" : String.format(Locale.ROOT, ", gateway hiccup %.0f ms", gwHiccup)));
        });
        return sb.toString();
    }

    /** Steal and busy per CPU over a run, in ms of the run's wall time. */
    private static String hostLine(long begin, int seconds) {
        long end = begin + seconds * 1_000_000_000L;
        return "steal/busy per CPU in the run (ms) " + ticks(host.stealTicks(begin, end), host.busyTicks(begin, end));
    }

    /** The command's input: a port, the request bytes for the Java client, and for wrk the body and headers. */
    record Target(
            int port,
            byte[] request,
            String load,
            byte[] body,
            java.util.Queue<double[]> hiccups,
            long pid,
            String... headers) {}

    /** With {@code --dump-on-stall MS}: a call in flight this long makes a thread dump of the gateway (0: off). */
    private static long dumpAfterNanos;

    private static int dumpsLeft = 6;

    /** With {@code --trace-exchanges MS}: gateway exchanges this slow are lined up with the upstream's answers. */
    private static int traceExchangesMs;

    private static ExchangeTrace trace;

    /**
     * Watches the calls in flight; the first time one has waited {@link #dumpAfterNanos}, dumps the gateway's threads,
     * virtual ones included ({@code jcmd PID Thread.dump_to_file -format=json}), once per run and at most six times in
     * all. Returns a line naming the file, or an empty string.
     */
    private static String watchForStall(
            long pid,
            java.util.concurrent.atomic.AtomicLongArray inFlight,
            java.util.concurrent.atomic.AtomicIntegerArray localPorts,
            java.util.concurrent.atomic.AtomicLongArray callSeq,
            CountDownLatch done)
            throws Exception {
        while (!done.await(10, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            long now = System.nanoTime();
            for (int i = 0; i < inFlight.length(); i++) {
                long since = inFlight.get(i);
                // with --trace-exchanges, also a call whose answer left the upstream 50 ms ago and has not arrived
                long answered = trace == null || since == 0 ? 0 : trace.answeredNanos(i, callSeq.get(i));
                boolean late = answered != 0 && now - answered > 50_000_000L && inFlight.get(i) == since;
                if (since != 0 && (now - since > dumpAfterNanos || late) && dumpsLeft > 0) {
                    dumpsLeft--;
                    Path file = Path.of(
                            System.getProperty("java.io.tmpdir"),
                            "spendgate-stall-" + pid + "-" + System.currentTimeMillis() + ".json");
                    String at = CLOCK_TIME.format(java.time.Instant.now());
                    // where the call's bytes are: unread in the gateway's socket (Recv-Q of the gateway's end), or
                    // the answer unread in the load client's (Recv-Q of the client's end)
                    String sockets = sockets(localPorts.get(i));
                    Process jcmd = new ProcessBuilder(
                                    Path.of(System.getProperty("java.home"), "bin", "jcmd")
                                            .toString(),
                                    Long.toString(pid),
                                    "Thread.dump_to_file",
                                    "-format=json",
                                    file.toString())
                            .redirectErrorStream(true)
                            .start();
                    jcmd.getInputStream().readAllBytes();
                    jcmd.waitFor();
                    String later = sockets(localPorts.get(i));
                    return String.format(
                            Locale.ROOT,
                            "%n%24s thread dump at %s (conn %d's call in flight %.0f ms%s): %s%n%24s sockets then: %s%n%24s"
                                    + " sockets after the dump (%s, in flight %s): %s",
                            "",
                            at,
                            i,
                            (now - since) / 1e6,
                            answered == 0
                                    ? ""
                                    : String.format(
                                            Locale.ROOT,
                                            ", answered by the upstream %.0f ms ago",
                                            (now - answered) / 1e6),
                            file,
                            "",
                            sockets,
                            "",
                            CLOCK_TIME.format(java.time.Instant.now()),
                            inFlight.get(i) == since ? "still" : "no longer",
                            later);
                }
            }
        }
        return "";
    }

    /** {@code ss -tn} lines of both ends of the load client's connection from {@code port}. */
    private static String sockets(int port) throws Exception {
        Process ss = new ProcessBuilder("ss", "-tnH", "( sport = :" + port + " or dport = :" + port + " )")
                .redirectErrorStream(true)
                .start();
        String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        ss.waitFor();
        return out.trim().replaceAll("\\s+", " ").replace("ESTAB", "| ESTAB");
    }

    private static Path wrkScript;

    /**
     * With {@code --load wrk}: each connection waits this long after an answer before its next request (wrk's {@code
     * delay()}; not counted in the latency), so the direct run can stay below the harness core's capacity. 0: none.
     */
    private static int thinkMillis;

    /**
     * One closed-loop run with wrk (one thread, pinned with the harness: it inherits this JVM's CPU affinity), the
     * request built once as the shared harness's chat.lua does. Latency is to the last byte; wrk keeps no per-call
     * times, so there are no per-connection counts, slowest calls or stalls, only the percentiles.
     */
    private static Result runWrk(Target target, int connections, int seconds) throws Exception {
        if (wrkScript == null) {
            Path dir = Files.createTempDirectory("spendgate-wrk");
            Files.write(dir.resolve("body.json"), target.body);
            wrkScript = dir.resolve("chat.lua");
            Files.writeString(wrkScript, """
                    local f = assert(io.open(os.getenv("BENCH_BODY_FILE"), "rb"))
                    wrk.method = "POST"
                    wrk.body = f:read("*a")
                    f:close()
                    wrk.headers["Content-Type"] = "application/json"
                    for line in (os.getenv("BENCH_HEADERS") or ""):gmatch("[^\\n]+") do
                      local name, value = line:match("^([^:]+):%s*(.-)%s*$")
                      if name then wrk.headers[name] = value end
                    end
                    local think = tonumber(os.getenv("BENCH_THINK_MS") or "0")
                    if think > 0 then
                      function delay() return think end
                    end
                    function done(summary, latency, requests)
                      local e = summary.errors
                      io.write(string.format("WRK_RESULT %d %d %d %d %d %d %d %d %d %d %d\\n",
                        summary.requests, e.connect + e.read + e.write + e.status + e.timeout,
                        latency:percentile(50), latency:percentile(90), latency:percentile(99),
                        latency:percentile(99.9), latency:percentile(99.99), latency.max,
                        summary.duration, e.status, e.timeout))
                    end
                    """);
        }
        long begin = System.nanoTime();
        ProcessBuilder pb = new ProcessBuilder(
                "wrk",
                "-t1",
                "-c" + connections,
                "-d" + seconds + "s",
                "--timeout",
                "10s",
                "-s",
                wrkScript.toString(),
                "http://127.0.0.1:" + target.port + "/v1/chat/completions");
        pb.environment()
                .put("BENCH_BODY_FILE", wrkScript.resolveSibling("body.json").toString());
        pb.environment().put("BENCH_HEADERS", String.join("\n", target.headers));
        pb.environment().put("BENCH_THINK_MS", Integer.toString(thinkMillis));
        pb.redirectErrorStream(true);
        Process wrk = pb.start();
        String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (wrk.waitFor() != 0 || !output.contains("WRK_RESULT ")) {
            throw new IOException("wrk failed: " + output);
        }
        String line = output.substring(output.indexOf("WRK_RESULT ")).split("\n")[0];
        long[] f = Arrays.stream(line.trim().split(" "))
                .skip(1)
                .mapToLong(Long::parseLong)
                .toArray();
        long requests = f[0];
        return new Result(
                requests,
                f[1],
                seconds,
                f[2] / 1e3,
                f[3] / 1e3,
                f[4] / 1e3,
                f[5] / 1e3,
                f[6] / 1e3,
                f[7] / 1e3,
                new int[0],
                new double[0],
                0,
                0,
                "",
                Double.NaN,
                Double.NaN,
                Double.NaN,
                hostLine(begin, seconds));
    }

    private static String ticks(long[] steal, long[] busy) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(steal.length, busy.length); i++) {
            sb.append(i == 0 ? "" : " ").append("cpu").append(i).append(' ');
            sb.append(steal[i] * 10).append('/').append(busy[i] * 10);
        }
        return sb.toString();
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.floor(p * sorted.length))] / 1e6;
    }

    private static void print(int conns, int round, String target, Result r, double cpu, double tailMs) {
        int[] sorted = r.counts.length == 0 ? new int[] {0} : r.counts.clone();
        Arrays.sort(sorted);
        System.out.printf(
                Locale.ROOT,
                "%5d %5d %-12s %8.0f %8.3f %8.3f %8.3f %9.3f %9.3f %8.3f  %7d..%d..%-7d %7d %4d  %s %6d%n",
                conns,
                round,
                target,
                r.rps(),
                r.p50,
                r.p90,
                r.p99,
                r.p999,
                r.p9999,
                r.max,
                sorted[0],
                sorted[sorted.length / 2],
                sorted[sorted.length - 1],
                r.starved(),
                r.slow(tailMs),
                Double.isNaN(cpu) ? "            " : String.format(Locale.ROOT, "%12.3f", cpu),
                r.errors);
        System.out.printf(
                Locale.ROOT,
                "%24s without the calls started in the first second: p99 %.3f p99.9 %.3f max %.3f;"
                        + " calls per second min/median %d/%d; slowest (UTC start+took):%s%n",
                "",
                r.steadyP99,
                r.steadyP999,
                r.steadyMax,
                r.minSecond,
                r.medianSecond,
                r.slowCalls.isEmpty() ? " none over 5 ms" : r.slowCalls);
        if (!r.stalls.isEmpty()) {
            System.out.printf(Locale.ROOT, "%24s %s%n", "", r.stalls);
        }
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

    /** One closed-loop run: latencies in ms, and each connection's completed calls and worst latency. */
    record Result(
            long requests,
            long errors,
            int seconds,
            double p50,
            double p90,
            double p99,
            double p999,
            double p9999,
            double max,
            int[] counts,
            double[] connectionMax,
            long minSecond,
            long medianSecond,
            String slowCalls,
            double steadyP99,
            double steadyP999,
            double steadyMax,
            String stalls) {
        double rps() {
            return requests / (double) seconds;
        }

        /** Connections that completed fewer than half the calls of the median connection. */
        int starved() {
            if (counts.length == 0) {
                return 0;
            }
            int[] sorted = counts.clone();
            Arrays.sort(sorted);
            int median = sorted[sorted.length / 2];
            return (int) Arrays.stream(counts).filter(n -> n * 2 < median).count();
        }

        /** Connections whose worst call took longer than {@code tailMs}. */
        int slow(double tailMs) {
            return (int) Arrays.stream(connectionMax).filter(m -> m > tailMs).count();
        }
    }
}
