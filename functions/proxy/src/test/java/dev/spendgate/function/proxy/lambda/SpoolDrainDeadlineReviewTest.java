package dev.spendgate.function.proxy.lambda;

import static dev.spendgate.testing.contract.UsageSinkContract.batch;
import static dev.spendgate.testing.contract.UsageSinkContract.records;
import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageJournal;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageSink;
import dev.spendgate.domain.usage.UsageSpool.SpooledBatch;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy Lambda drains the usage spool after an invocation (README, Deploy to AWS: "sends them again about once a
 * minute"; "The spool's drain and the sweep wait for an invocation with at least 12 s left"). Lambda stops an
 * invocation at its timeout whatever the runtime is doing (AWS Lambda developer guide, "Configure Lambda function
 * timeout"), so the drain must end inside the time the invocation has. After a Firehose outage the spool holds one
 * batch per call of the outage (thousands), and {@code drainSpool()} loops page after page until the spool is empty,
 * with no deadline: the invocation that drains runs past its timeout, is killed (an error, the environment thrown
 * away), and the sweep that follows the drain never runs.
 */
class SpoolDrainDeadlineReviewTest {
    private static final Instant T0 = Instant.parse("2026-11-30T23:00:00Z");

    @TempDir
    Path dir;

    @Test
    void afterInvocation_largeSpoolAfterAnOutage_drainEndsBeforeTheInvocationDeadline() throws Exception {
        FileSystemUsageSpool spool = new FileSystemUsageSpool(dir.resolve("spool"));
        int batches = 40; // one batch per call spooled during an outage: a real backlog has thousands
        for (int i = 0; i < batches; i++) {
            Instant start = T0.plusSeconds(i);
            spool.spill(new SpooledBatch(
                    UsageLayout.newObjectKey(start, start), batch(records("outage-" + i + "-", 1, start))));
        }
        AtomicInteger delivered = new AtomicInteger();
        // Firehose back, answering each PutRecordBatch in 500 ms (SDK retries with back-off under throttling)
        UsageSink slowStream = (key, gzip) -> {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delivered.incrementAndGet();
            return UsageSink.Refused.NONE;
        };
        ProxyConfig config = ProxyConfig.fromEnv(Map.of("OPENAI_API_KEY", "sk-test"));
        Duration timeLeft = Duration.ofSeconds(13); // more than the 12 s the drain waits for
        try (GatewayRuntime runtime = GatewayRuntime.create(
                config,
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir.resolve("data")),
                slowStream,
                spool,
                UsageJournal.NONE,
                LocalGatewayRuntime.budgets(dir.resolve("budgets"), new LogAlertSink()),
                Clock.systemUTC(),
                null)) {
            long started = System.nanoTime();
            runtime.afterInvocation(timeLeft);
            Duration took = Duration.ofNanos(System.nanoTime() - started);

            // Lambda kills the invocation at its deadline: what runs past it never finishes
            assertThat(took)
                    .as(
                            "afterInvocation took %s with %s left (%d spooled batches delivered)",
                            took, timeLeft, delivered.get())
                    .isLessThan(timeLeft);
        }
    }
}
