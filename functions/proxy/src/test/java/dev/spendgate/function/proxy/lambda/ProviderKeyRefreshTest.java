package dev.spendgate.function.proxy.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.secrets.SecretsException;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** A provider key rotated in Secrets Manager reaches warm Lambda instances without a restart. */
class ProviderKeyRefreshTest {
    private static final Duration EVERY = Duration.ofMinutes(5);

    private final AtomicLong now = new AtomicLong(0);
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicReference<Map<String, String>> secret =
            new AtomicReference<>(Map.of("OPENAI_API_KEY", "sk-old", "ANTHROPIC_API_KEY", "ak-old"));
    private final ProviderRouter providers =
            new ProviderRouter(ProxyConfig.fromEnv(Map.of("OPENAI_API_KEY", "sk-old", "ANTHROPIC_API_KEY", "ak-old"))
                    .providers());
    private final ProviderKeyRefresh refresh = new ProviderKeyRefresh(
            () -> {
                reads.incrementAndGet();
                Map<String, String> keys = secret.get();
                if (keys == null) {
                    throw new SecretsException("could not read secret spendgate/provider-keys");
                }
                return keys;
            },
            providers,
            EVERY,
            now::get,
            0);

    private String openAiKey() {
        return providers.route(ApiFormat.OPENAI, "gpt-4o").orElseThrow().apiKey();
    }

    @Test
    void run_afterTheInterval_routesCallsWithTheRotatedKey() {
        secret.set(Map.of("OPENAI_API_KEY", "sk-new"));

        now.set(EVERY.toNanos() - 1);
        refresh.run();
        assertThat(reads).hasValue(0);
        assertThat(openAiKey()).isEqualTo("sk-old");

        now.set(EVERY.toNanos());
        refresh.run();
        assertThat(reads).hasValue(1);
        assertThat(openAiKey()).isEqualTo("sk-new");
        // a provider the secret no longer names keeps the key it had
        assertThat(providers
                        .route(ApiFormat.ANTHROPIC, "claude-sonnet-4-5")
                        .orElseThrow()
                        .apiKey())
                .isEqualTo("ak-old");
    }

    @Test
    void run_readFails_keepsTheKeysInUseAndTriesAgainAfterTheInterval() {
        secret.set(null);
        now.set(EVERY.toNanos());
        refresh.run();
        assertThat(openAiKey()).isEqualTo("sk-old");

        secret.set(Map.of("OPENAI_API_KEY", "sk-new"));
        now.set(EVERY.toNanos() + 1);
        refresh.run(); // not due yet: the failed read counts as the last attempt
        assertThat(reads).hasValue(1);

        now.set(2 * EVERY.toNanos());
        refresh.run();
        assertThat(reads).hasValue(2);
        assertThat(openAiKey()).isEqualTo("sk-new");
    }

    @Test
    void run_whileAnotherWorkerReads_returnsWithoutWaitingOrReadingAgain() throws Exception {
        CountDownLatch readStarted = new CountDownLatch(1);
        CountDownLatch secretsBack = new CountDownLatch(1);
        ProviderKeyRefresh slow = new ProviderKeyRefresh(
                () -> {
                    reads.incrementAndGet();
                    readStarted.countDown();
                    try {
                        secretsBack.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return Map.of("OPENAI_API_KEY", "sk-new");
                },
                providers,
                EVERY,
                now::get,
                0);
        now.set(EVERY.toNanos());
        ExecutorService workers = Executors.newFixedThreadPool(2);
        try {
            Future<?> reading = workers.submit(slow);
            assertThat(readStarted.await(10, TimeUnit.SECONDS)).isTrue();

            // another invocation ends while Secrets Manager has not answered: it goes on with the keys in use
            workers.submit(slow).get(30, TimeUnit.SECONDS);
            assertThat(reads).hasValue(1);
            assertThat(openAiKey()).isEqualTo("sk-old");

            secretsBack.countDown();
            reading.get(30, TimeUnit.SECONDS);
            assertThat(openAiKey()).isEqualTo("sk-new");
        } finally {
            secretsBack.countDown();
            workers.shutdownNow();
        }
    }

    @Test
    void run_secretKeyWithLineEnd_isUsedTrimmed() {
        secret.set(Map.of("OPENAI_API_KEY", "sk-new\n"));
        now.set(EVERY.toNanos());
        refresh.run();
        assertThat(openAiKey()).isEqualTo("sk-new");
    }

    @Test
    void withProviderKeys_keyWithLineEnd_isUsedTrimmed() {
        ProxyConfig config =
                ProxyConfig.fromEnv(Map.of()).withProviderKeys(Map.of("OPENAI_API_KEY", " sk-from-secret\r\n"));
        assertThat(new ProviderRouter(config.providers())
                        .route(ApiFormat.OPENAI, "gpt-4o")
                        .orElseThrow()
                        .apiKey())
                .isEqualTo("sk-from-secret");
    }
}
