package dev.spendgate.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.dynamodb.DynamoDbBudgetPolicyStore;
import dev.spendgate.aws.dynamodb.DynamoDbKeyStore;
import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalS3;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warm invocations of the proxy's Lambda package through the streaming bootstrap, with AWS-like latency on DynamoDB
 * and S3: a JVM runs the bootstrap from the shaded jar (as {@code ColdStart} does) against a local Runtime API, with
 * dynalite and s3proxy behind {@link LocalAwsEndpoint} holding every request for {@code --latency-ms} (default 5),
 * and an upstream in this JVM that stamps when the request arrived and when its last byte left. Per call it takes
 *
 * <ul>
 *   <li>before: event handed to the function until the upstream has the request (Spendgate's time before the
 *       provider), and the DynamoDB/S3 round trips that started in it;
 *   <li>after: the upstream's last byte until the response to API Gateway ended;
 *   <li>billed added: event handed out until the function asked for the next one (what Lambda bills), minus the
 *       upstream's own time.
 * </ul>
 *
 * <pre>
 * DeployedPathBench --jar functions/proxy/target/spendgate-proxy-*-lambda.jar [--calls 300] [--warmup 100]
 *     [--latency-ms 5] [--budgets 1] [--stream] [--upstream-ms 0]
 * </pre>
 */
public final class DeployedPathBench {
    private static final String KEYS = "bench-keys";
    private static final String SPOOL = "bench-spool";
    private static final String BUDGETS = "bench-budgets";
    private static final String BUCKET = "bench-usage";

    private DeployedPathBench() {}

    public static void main(String[] args) throws Exception {
        // The JDK's HttpServer (the upstream and Runtime API below) leaves Nagle on: its status line and body go out
        // as two writes, the second held until the proxy's delayed ACK (40 ms on Linux). That was the 40 ms "after"
        // without budgets of the first runs; a provider or Lambda does not add it, so the harness must not either.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        Path jar = null;
        int calls = 300;
        int warmup = 100;
        int latencyMs = 5;
        int budgets = 1;
        boolean stream = false;
        int upstreamMs = 0;
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String jvmOpts = "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:MaxRAMPercentage=75 -XX:MaxRAM=1024m";
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--jar" -> jar = Path.of(args[++i]);
                case "--calls" -> calls = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--latency-ms" -> latencyMs = Integer.parseInt(args[++i]);
                case "--budgets" -> budgets = Integer.parseInt(args[++i]);
                case "--stream" -> stream = true;
                case "--upstream-ms" -> upstreamMs = Integer.parseInt(args[++i]);
                case "--java" -> java = args[++i];
                case "--jvm-opts" -> jvmOpts = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        if (jar == null) {
            throw new IllegalArgumentException("--jar must name the shaded proxy jar");
        }
        try (LocalDynamoDb dynamo = LocalDynamoDb.start();
                LocalS3 s3 = LocalS3.start();
                LocalAwsEndpoint aws = LocalAwsEndpoint.start(dynamo.endpoint(), s3.endpoint());
                TimedUpstream upstream = new TimedUpstream(upstreamMs);
                RuntimeApi api = new RuntimeApi()) {
            DynamoDbTables.createKeysTable(dynamo.client(), KEYS);
            DynamoDbTables.createSpoolTable(dynamo.client(), SPOOL);
            DynamoDbTables.createBudgetsTable(dynamo.client(), BUDGETS);
            s3.createBucket(BUCKET);
            String secret = ProxyKeys.newSecret();
            new DynamoDbKeyStore(dynamo.client(), KEYS)
                    .create(new ProxyKey(
                            ProxyKeys.newId(),
                            ProxyKeys.hash(secret),
                            "deployed-path",
                            "bench",
                            null,
                            new Attribution("bench", "rnd", "core", "bench", null, null, null),
                            true,
                            Instant.now()));
            DynamoDbBudgetPolicyStore policies = new DynamoDbBudgetPolicyStore(dynamo.client(), BUDGETS);
            List<String> scopes = List.of("feature:bench", "global", "department:rnd");
            for (int b = 0; b < budgets; b++) {
                policies.put(new BudgetPolicy(
                        BudgetScope.parse(scopes.get(b)),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1000000"),
                        BudgetPolicy.Mode.BLOCK,
                        List.of(),
                        null,
                        null));
            }

            ProcessBuilder pb = new ProcessBuilder(command(java, jvmOpts, jar))
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            Map<String, String> env = pb.environment();
            env.put("AWS_LAMBDA_RUNTIME_API", api.hostAndPort());
            env.put("AWS_REGION", "us-east-1");
            env.put("AWS_ACCESS_KEY_ID", "test");
            env.put("AWS_SECRET_ACCESS_KEY", "test");
            env.put("SPENDGATE_AWS_ENDPOINT_URL", aws.endpoint());
            env.put("SPENDGATE_KEYS_TABLE", KEYS);
            env.put("SPENDGATE_SPOOL_TABLE", SPOOL);
            env.put("SPENDGATE_BUDGETS_TABLE", BUDGETS);
            env.put("SPENDGATE_USAGE_BUCKET", BUCKET);
            env.put("OPENAI_API_KEY", "sk-bench");
            env.put("SPENDGATE_OPENAI_BASE_URL", upstream.baseUrl());
            Process process = pb.start();
            try {
                String event = event(secret, stream);
                aws.latency(Duration.ofMillis(latencyMs));
                System.out.printf(
                        "deployed path: %s, %d budget(s), %s, %d ms per AWS round trip, upstream %d ms%n",
                        jar.getFileName(), budgets, stream ? "streamed" : "buffered", latencyMs, upstreamMs);
                List<long[]> samples = new ArrayList<>();
                long cpuAtWarm = -1;
                for (int i = 0; i < warmup + calls; i++) {
                    if (i == warmup) {
                        cpuAtWarm = ColdStart.cpuMillis(process.pid());
                    }
                    aws.resetOperations();
                    RuntimeApi.Invocation inv = api.invoke(event);
                    long nextAt = inv.nextAsked.poll(60, TimeUnit.SECONDS);
                    TimedUpstream.Timing t = upstream.last;
                    if (!inv.ok) {
                        throw new IllegalStateException("call " + i + " was not a 200: " + inv.head);
                    }
                    long roundTripsBefore = sequentialTrips(aws.operations().stream()
                            .filter(op -> op.startNanos() < t.received())
                            .toList());
                    long requestsBefore = aws.operations().stream()
                            .filter(op -> op.startNanos() < t.received())
                            .count();
                    if (i >= warmup) {
                        samples.add(new long[] {
                            t.received() - inv.deliveredAt,
                            inv.endedAt - t.lastByte(),
                            (nextAt - inv.deliveredAt) - (t.lastByte() - t.received()),
                            roundTripsBefore,
                            aws.operations().size(),
                            requestsBefore
                        });
                    }
                }
                print("before the provider has the request", samples, 0);
                print("after the provider's last byte, to the end of the response", samples, 1);
                print("added to the billed duration", samples, 2);
                System.out.printf(
                        "AWS before the provider: %d requests in %d sequential round trips (medians; max %d trips);"
                                + " requests per call in all: median %d%n",
                        median(samples, 5), median(samples, 3), max(samples, 3), median(samples, 4));
                System.out.printf("proxy JVM (%s): peak RSS %s%n", jvmOpts, peakRss(process.pid()));
                long cpuUsed = ColdStart.cpuMillis(process.pid()) - cpuAtWarm;
                // The JVM's user + system CPU over the measured calls (all its threads: request path, settlement,
                // record, GC, JIT): what a call costs a shared instance on Lambda Managed Instances.
                System.out.printf(
                        "proxy JVM CPU over the %d measured calls: %d ms, %.3f ms a call (10 ms ticks)%n",
                        calls, cpuUsed, cpuAtWarm < 0 ? Double.NaN : (double) cpuUsed / calls);
                System.out.printf(
                        "RESULT budgets=%d stream=%s latency_ms=%d before_p50_ms=%.2f after_p50_ms=%.2f"
                                + " billed_added_p50_ms=%.2f round_trips_before=%d cpu_ms_per_call=%.3f%n",
                        budgets,
                        stream,
                        latencyMs,
                        percentile(samples, 0, 50) / 1e6,
                        percentile(samples, 1, 50) / 1e6,
                        percentile(samples, 2, 50) / 1e6,
                        median(samples, 3),
                        cpuAtWarm < 0 ? Double.NaN : (double) cpuUsed / calls);
            } finally {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
        }
    }

    /** Requests that overlap in time count as one round trip; a request starting after the last one ended, another. */
    private static long sequentialTrips(List<LocalAwsEndpoint.Operation> ops) {
        List<LocalAwsEndpoint.Operation> sorted = new ArrayList<>(ops);
        sorted.sort(java.util.Comparator.comparingLong(LocalAwsEndpoint.Operation::startNanos));
        long trips = 0;
        long end = Long.MIN_VALUE;
        for (LocalAwsEndpoint.Operation op : sorted) {
            if (op.startNanos() >= end) {
                trips++;
                end = op.startNanos() + op.nanos();
            } else {
                end = Math.max(end, op.startNanos() + op.nanos());
            }
        }
        return trips;
    }

    /** The process's peak resident set (VmHWM), what Lambda holds against the configured memory. */
    private static String peakRss(long pid) {
        try {
            for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return line.substring(6).trim();
                }
            }
        } catch (IOException e) {
            // not Linux
        }
        return "unknown";
    }

    private static List<String> command(String java, String jvmOpts, Path jar) {
        List<String> command = new ArrayList<>();
        command.add(java);
        command.addAll(List.of(jvmOpts.trim().split("\\s+")));
        command.addAll(List.of("-cp", jar.toString(), "dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap"));
        return command;
    }

    private static void print(String what, List<long[]> samples, int index) {
        System.out.printf(
                "%-62s p50 %7.2f ms  p90 %7.2f ms  p99 %7.2f ms%n",
                what,
                percentile(samples, index, 50) / 1e6,
                percentile(samples, index, 90) / 1e6,
                percentile(samples, index, 99) / 1e6);
    }

    private static long percentile(List<long[]> samples, int index, int p) {
        List<Long> values = new ArrayList<>();
        samples.forEach(s -> values.add(s[index]));
        Collections.sort(values);
        return values.get(Math.min(values.size() - 1, (int) Math.ceil(p / 100.0 * values.size()) - 1));
    }

    private static long median(List<long[]> samples, int index) {
        return percentile(samples, index, 50);
    }

    private static long max(List<long[]> samples, int index) {
        return percentile(samples, index, 100);
    }

    private static String event(String secret, boolean stream) {
        String body = "{\"model\":\"gpt-4o-mini\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        return "{\"resource\":\"/v1/{proxy+}\",\"path\":\"/v1/chat/completions\",\"httpMethod\":\"POST\","
                + "\"headers\":{\"Content-Type\":\"application/json\",\"Authorization\":\"Bearer " + secret + "\"},"
                + "\"requestContext\":{\"stage\":\"prod\",\"identity\":{\"sourceIp\":\"203.0.113.7\"}},"
                + "\"body\":\"" + Base64.getEncoder().encodeToString(body.getBytes(StandardCharsets.UTF_8))
                + "\",\"isBase64Encoded\":true}";
    }

    /** An OpenAI-shaped upstream that stamps (System.nanoTime) when a request arrived and its answer's last byte left. */
    static final class TimedUpstream implements AutoCloseable {
        record Timing(long received, long lastByte) {}

        private final HttpServer server;
        private final int delayMs;
        volatile Timing last;

        TimedUpstream(int delayMs) throws IOException {
            this.delayMs = delayMs;
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/", this::handle);
            server.start();
        }

        String baseUrl() {
            return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                byte[] request = exchange.getRequestBody().readAllBytes();
                long received = System.nanoTime();
                if (delayMs > 0) {
                    try {
                        Thread.sleep(delayMs);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
                boolean stream = new String(request, StandardCharsets.UTF_8).contains("\"stream\":true");
                String usage = "\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":3,\"total_tokens\":12}";
                byte[] body = (stream
                                ? "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                                        + "\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                                        + "\"content\":\"Hi there\"},\"finish_reason\":null}]}\n\n"
                                        + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,"
                                        + "\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},"
                                        + "\"finish_reason\":\"stop\"}]," + usage + "}\n\ndata: [DONE]\n\n"
                                : "{\"id\":\"c1\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"gpt-4o-mini\","
                                        + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
                                        + "\"Hi there\"},\"finish_reason\":\"stop\"}]," + usage + "}")
                        .getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", stream ? "text/event-stream" : "application/json");
                exchange.sendResponseHeaders(200, body.length);
                OutputStream out = exchange.getResponseBody();
                out.write(body);
                out.flush();
                last = new Timing(received, System.nanoTime());
            }
        }

        @Override
        public void close() {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }

    /** A Runtime API handing out one queued event at a time and stamping delivery, response end and the next poll. */
    static final class RuntimeApi implements AutoCloseable {
        static final class Invocation {
            final String event;
            volatile long deliveredAt;
            volatile long endedAt;
            volatile boolean ok;
            volatile String head = "";
            final BlockingQueue<Long> nextAsked = new LinkedBlockingQueue<>();

            Invocation(String event) {
                this.event = event;
            }
        }

        private final HttpServer server;
        private final BlockingQueue<Invocation> queue = new LinkedBlockingQueue<>();
        private volatile Invocation current;
        private final AtomicLong ids = new AtomicLong();

        RuntimeApi() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.setExecutor(Executors.newCachedThreadPool());
            server.createContext("/2018-06-01/runtime/", this::handle);
            server.start();
        }

        String hostAndPort() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        Invocation invoke(String event) {
            Invocation inv = new Invocation(event);
            queue.add(inv);
            return inv;
        }

        private void handle(HttpExchange exchange) throws IOException {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (path.endsWith("/invocation/next")) {
                    long now = System.nanoTime();
                    Invocation previous = current;
                    if (previous != null) {
                        previous.nextAsked.add(now);
                    }
                    Invocation inv;
                    try {
                        inv = queue.poll(10, TimeUnit.MINUTES);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                    if (inv == null) {
                        exchange.sendResponseHeaders(500, -1);
                        return;
                    }
                    current = inv;
                    byte[] body = inv.event.getBytes(StandardCharsets.UTF_8);
                    exchange.getResponseHeaders()
                            .set("Lambda-Runtime-Aws-Request-Id", "bench-" + ids.incrementAndGet());
                    exchange.getResponseHeaders()
                            .set("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 60_000));
                    exchange.sendResponseHeaders(200, body.length);
                    inv.deliveredAt = System.nanoTime();
                    exchange.getResponseBody().write(body);
                    return;
                }
                if (path.endsWith("/response")) {
                    InputStream in = exchange.getRequestBody();
                    byte[] all = in.readAllBytes();
                    Invocation inv = current;
                    inv.endedAt = System.nanoTime();
                    String text = new String(all, StandardCharsets.UTF_8);
                    inv.ok = text.contains("\"statusCode\":200");
                    inv.head = text.substring(0, Math.min(300, text.length()));
                    exchange.sendResponseHeaders(202, -1);
                    return;
                }
                exchange.sendResponseHeaders(202, -1);
            }
        }

        @Override
        public void close() {
            server.stop(0);
            ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
        }
    }
}
