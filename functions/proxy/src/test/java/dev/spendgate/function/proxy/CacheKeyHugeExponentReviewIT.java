package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 190-byte request whose {@code frequency_penalty} is written {@code 1e400000000} (a valid JSON number, 11 characters)
 * on a route with a response-cache rule: the cache key writes every number of the body in plain notation
 * ({@code CacheKeys.write}: {@code stripTrailingZeros().toPlainString()}), a string of 400 million digits, then
 * concatenated and hashed. One such call allocates gigabytes and holds a core for seconds (1e999999999: 25 s on the
 * review machine, against 0.3 s for the same call with 0), outside the body-memory pool that bounds what a request
 * body may take ({@code SPENDGATE_BODY_MEMORY_BYTES}); a few in parallel exhaust the heap every other call needs.
 * Brief: hostile input never takes capacity from others. Measured without timing: the bytes the JVM allocates while
 * the gateway handles this one small call.
 */
class CacheKeyHugeExponentReviewIT {
    private static final long LIMIT_BYTES = 256L * 1024 * 1024;

    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(
                dir.resolve("policy/gateway-policy.json"),
                "{\"cache\": [{\"feature\": \"faq\", \"mode\": \"exact\", \"ttl_seconds\": 600}]}");
        gw = GatewayFixture.optimized(dir, Clock.systemUTC());
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private HttpResponse<String> call(String frequencyPenalty) {
        return gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"How do I reset"
                                + " my password?\"}],\"temperature\":0,\"frequency_penalty\":"
                                + frequencyPenalty + "}")
                .header("X-Cost-Feature", "faq"));
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getTotalThreadAllocatedBytes();
    }

    @Test
    void cachedRoute_smallBodyWithAHugeExponent_allocatesNoMoreThanAFewCallsWorth() {
        assertThat(call("0").statusCode()).isEqualTo(200); // warm: classes loaded, cache entry written

        long before = allocatedBytes();
        HttpResponse<String> hostile = call("1e400000000");
        long allocated = allocatedBytes() - before;

        // answered or refused with a 400 naming the field: either is fine; what it may not do is take the heap
        assertThat(hostile.statusCode()).isIn(200, 400);
        assertThat(allocated)
                .as("bytes allocated while the gateway handled one 190-byte call")
                .isLessThan(LIMIT_BYTES);
    }
}
