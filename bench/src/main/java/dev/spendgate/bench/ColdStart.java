package dev.spendgate.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cold start of the proxy's Lambda package: a new JVM runs the streaming bootstrap from the shaded jar, exactly as
 * the {@code bootstrap} script does, against a local Runtime API, DynamoDB (dynalite) and S3 (s3proxy) behind one
 * endpoint, and the fake upstream. Per run it prints the time from process start to the first {@code /next} (what
 * Lambda reports as Init Duration) and to the end of the first proxied response (a streamed chat completion with a
 * key look-up in DynamoDB), the CPU time the process had used by then (user + system, from {@code /proc}, 10 ms
 * ticks: what a smaller function's CPU share has to pay for) and the part of it used before the first {@code /next}
 * (the init phase's), then the jar's size.
 *
 * <pre>
 * ColdStart --jar functions/proxy/target/spendgate-proxy-*-lambda.jar [--java PATH] [--runs 7] [--jvm-opts "..."]
 * ColdStart --task-root DIR [--runs 7]     runs DIR/bootstrap with LAMBDA_TASK_ROOT=DIR, as Lambda does
 * ColdStart ... --init-burst FILE INIT SHARE
 *     before each start writes INIT into the CPU controller file FILE (a cgroup's cpu.cfs_quota_us or cpu.max),
 *     and SHARE when the first /next arrives: the init phase runs at INIT's CPU, the first call at SHARE's.
 * </pre>
 *
 * <p>{@code --init-burst} models what AWS's Java-on-Lambda guide (serverlessland.com, "Utilize initialization phase")
 * states: an on-demand function's init phase runs on a full, unthrottled vCPU for up to 10 s, whatever its memory;
 * the invocations then get the memory's share.
 */
public final class ColdStart {
    private static final String KEYS = "bench-keys";
    private static final String SPOOL = "bench-spool";
    private static final String BUDGETS = "bench-budgets";
    private static final String BUCKET = "bench-usage";

    private ColdStart() {}

    public static void main(String[] args) throws Exception {
        Path jar = null;
        Path taskRoot = null;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        int runs = 7;
        String jvmOpts = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto";
        InitBurst burst = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--java" -> java = args[++i];
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                case "--jvm-opts" -> jvmOpts = args[++i];
                case "--task-root" -> taskRoot = Path.of(args[++i]).toAbsolutePath();
                case "--init-burst" -> {
                    burst = new InitBurst(Path.of(args[i + 1]), args[i + 2], args[i + 3]);
                    i += 3;
                }
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (taskRoot != null) {
            jar = taskRoot.resolve("spendgate-proxy.jar");
            java = taskRoot.resolve("jre/bin/java").toString();
        }
        if (jar == null || !Files.isRegularFile(jar)) {
            throw new IllegalArgumentException(
                    "--jar must name the shaded proxy jar (functions/proxy/target/*-lambda.jar)");
        }

        try (LocalDynamoDb dynamo = LocalDynamoDb.start();
                LocalS3 s3 = LocalS3.start();
                FakeLlmUpstream upstream = FakeLlmUpstream.start();
                AwsEndpointRouter router = new AwsEndpointRouter(
                        dynamo.endpoint().getPort(), s3.endpoint().getPort())) {
            DynamoDbTables.createKeysTable(dynamo.client(), KEYS);
            DynamoDbTables.createSpoolTable(dynamo.client(), SPOOL);
            DynamoDbTables.createBudgetsTable(dynamo.client(), BUDGETS);
            s3.createBucket(BUCKET);
            String secret = ProxyKeys.newSecret();
            new DynamoDbKeyStore(dynamo.client(), KEYS)
                    .create(new ProxyKey(
                            ProxyKeys.newId(),
                            ProxyKeys.hash(secret),
                            "cold-start",
                            "bench",
                            null,
                            new Attribution("bench", null, null, "bench", null, null, null),
                            true,
                            Instant.now()));

            System.out.printf(
                    "cold start of %s%n%s%n",
                    jar,
                    taskRoot != null ? "bootstrap: " + taskRoot.resolve("bootstrap") : "java: " + java + " " + jvmOpts);
            if (burst != null) {
                System.out.printf(
                        "init burst: %s is '%s' until the first /next, then '%s'%n",
                        burst.file(), burst.init(), burst.share());
            }
            List<Long> inits = new ArrayList<>();
            List<Long> firsts = new ArrayList<>();
            List<Long> cpus = new ArrayList<>();
            List<Long> initCpus = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                long[] r = once(command(taskRoot, java, jvmOpts, jar), taskRoot, secret, upstream, router, burst);
                inits.add(r[0]);
                firsts.add(r[1]);
                cpus.add(r[2]);
                initCpus.add(r[3]);
                System.out.printf(
                        "run %d: init %d ms, first proxied response %d ms, CPU %d ms (init %d ms)%n",
                        run + 1, r[0], r[1], r[2], r[3]);
            }
            System.out.printf(
                    "median of %d: init %d ms, JVM start to first proxied response %d ms (min %d, max %d),"
                            + " CPU to first response %d ms (of which init %d ms)%n",
                    runs,
                    median(inits),
                    median(firsts),
                    Collections.min(firsts),
                    Collections.max(firsts),
                    median(cpus),
                    median(initCpus));
            System.out.printf("jar %s: %.1f MB%n", jar.getFileName(), Files.size(jar) / 1024.0 / 1024.0);
            Path jre = Path.of(java).getParent().getParent();
            if (Files.isRegularFile(jre.resolve("release")) && Files.isDirectory(jre.resolve("lib"))) {
                System.out.printf("runtime %s: %.1f MB%n", jre, size(jre) / 1024.0 / 1024.0);
            }
        }
    }

    private static List<String> command(Path taskRoot, String java, String jvmOpts, Path jar) {
        if (taskRoot != null) {
            return List.of(taskRoot.resolve("bootstrap").toString());
        }
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(List.of(jvmOpts.trim().split("\\s+")));
        command.addAll(List.of("-cp", jar.toString(), "dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap"));
        return command;
    }

    /**
     * One cold start: {init ms, first response ms, CPU ms used by then, CPU ms used by the first {@code /next}} (CPU
     * -1 where /proc is missing).
     */
    private static long[] once(
            List<String> command,
            Path taskRoot,
            String secret,
            FakeLlmUpstream upstream,
            AwsEndpointRouter router,
            InitBurst burst)
            throws Exception {
        if (burst != null) {
            burst.write(burst.init());
        }
        CompletableFuture<Long> nextAt = new CompletableFuture<>();
        CompletableFuture<Long> respondedAt = new CompletableFuture<>();
        java.util.concurrent.atomic.AtomicLong pid = new java.util.concurrent.atomic.AtomicLong(-1);
        java.util.concurrent.atomic.AtomicLong initCpu = new java.util.concurrent.atomic.AtomicLong(-1);
        HttpServer api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        api.setExecutor(Executors.newCachedThreadPool());
        String event = event(secret);
        api.createContext(
                "/2018-06-01/runtime/",
                exchange -> runtimeApi(exchange, event, nextAt, respondedAt, () -> {
                    // the init phase's CPU, read when the first /next arrives
                    long p = pid.get();
                    initCpu.compareAndSet(-1, p > 0 ? cpuMillis(p) : -1);
                    if (burst != null) {
                        burst.write(burst.share());
                    }
                }));
        api.start();
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        Map<String, String> env = pb.environment();
        if (taskRoot != null) {
            env.put("LAMBDA_TASK_ROOT", taskRoot.toString());
        }
        env.put("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:" + api.getAddress().getPort());
        env.put("AWS_REGION", "us-east-1");
        env.put("AWS_ACCESS_KEY_ID", "test");
        env.put("AWS_SECRET_ACCESS_KEY", "test");
        env.put("SPENDGATE_AWS_ENDPOINT_URL", router.endpoint());
        env.put("SPENDGATE_KEYS_TABLE", KEYS);
        env.put("SPENDGATE_SPOOL_TABLE", SPOOL);
        env.put("SPENDGATE_BUDGETS_TABLE", BUDGETS);
        env.put("SPENDGATE_USAGE_BUCKET", BUCKET);
        env.put("OPENAI_API_KEY", upstream.openAiKey());
        env.put("SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl());
        long start = System.nanoTime();
        Process process = pb.start();
        pid.set(process.pid());
        try {
            long init = (nextAt.get(60, TimeUnit.SECONDS) - start) / 1_000_000;
            long first = (respondedAt.get(60, TimeUnit.SECONDS) - start) / 1_000_000;
            if (Boolean.getBoolean("coldstart.threads")) {
                System.out.println("CPU by thread: " + threadCpu(process.pid()));
            }
            return new long[] {init, first, cpuMillis(process.pid()), initCpu.get()};
        } finally {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            api.stop(0);
            ((java.util.concurrent.ExecutorService) api.getExecutor()).shutdownNow();
        }
    }

    private static void runtimeApi(
            HttpExchange exchange,
            String event,
            CompletableFuture<Long> nextAt,
            CompletableFuture<Long> respondedAt,
            Runnable onFirstNext)
            throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            if (path.endsWith("/invocation/next")) {
                if (nextAt.complete(System.nanoTime())) {
                    onFirstNext.run();
                    byte[] body = event.getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders().set("Lambda-Runtime-Aws-Request-Id", "cold-1");
                    exchange.getResponseHeaders()
                            .set("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 60_000));
                    exchange.sendResponseHeaders(200, body.length);
                    exchange.getResponseBody().write(body);
                } else {
                    // Later polls: hold them until the process is stopped.
                    try {
                        Thread.sleep(60_000);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                return;
            }
            if (path.endsWith("/response")) {
                InputStream in = exchange.getRequestBody();
                byte[] all = in.readAllBytes();
                String text = new String(all, StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(202, -1);
                if (text.contains("\"statusCode\":200") && text.contains("[DONE]")) {
                    respondedAt.complete(System.nanoTime());
                } else {
                    respondedAt.completeExceptionally(new IllegalStateException("the first response was not a"
                            + " streamed 200: " + text.substring(0, Math.min(300, text.length()))));
                }
                return;
            }
            respondedAt.completeExceptionally(new IllegalStateException("bootstrap called " + path));
            exchange.sendResponseHeaders(202, -1);
        }
    }

    /** A CPU controller file and the values it holds during the init phase and after the first {@code /next}. */
    private record InitBurst(Path file, String init, String share) {
        void write(String value) {
            try {
                Files.writeString(file, value);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("cannot write " + value + " to " + file, e);
            }
        }
    }

    private static String event(String secret) {
        String body =
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return "{\"resource\":\"/v1/{proxy+}\",\"path\":\"/v1/chat/completions\",\"httpMethod\":\"POST\","
                + "\"headers\":{\"Content-Type\":\"application/json\",\"Authorization\":\"Bearer " + secret + "\"},"
                + "\"requestContext\":{\"stage\":\"prod\",\"identity\":{\"sourceIp\":\"203.0.113.7\"}},"
                + "\"body\":\"" + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                + "\",\"isBase64Encoded\":true}";
    }

    /**
     * User + system CPU of a process so far, from {@code /proc/PID/stat} (fields 14 and 15, in clock ticks of 10 ms).
     * The bootstrap scripts {@code exec} the JVM, so the started process is the JVM itself.
     */
    static long cpuMillis(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** CPU ms per thread name (JIT compiler, GC, main...), largest first: where a cold start's CPU went. */
    private static String threadCpu(long pid) {
        Map<String, Long> byName = new java.util.TreeMap<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : tasks.toList()) {
                String stat = Files.readString(task.resolve("stat"));
                String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                byName.merge(name, (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10, Long::sum);
            }
        } catch (IOException | RuntimeException e) {
            return "unavailable (" + e + ")";
        }
        return byName.entrySet().stream()
                .filter(e -> e.getValue() > 0)
                .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .map(e -> e.getKey() + " " + e.getValue() + " ms")
                .collect(java.util.stream.Collectors.joining(", "));
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static long size(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(p -> p.toFile().length())
                    .sum();
        }
    }
}
