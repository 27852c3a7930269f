package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An operator bounds the local response cache's disk ({@code SPENDGATE_CACHE_MAX_ANSWERS}, README "Routing and
 * caching"): past the bound the oldest fill is deleted, so its question is asked of the provider again, and the newest
 * is still served from the cache.
 */
class CacheLimitsIT {
    @TempDir
    Path dir;

    private GatewayFixture gw;

    @BeforeEach
    void start() throws IOException {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(
                dir.resolve("policy/gateway-policy.json"),
                "{\"cache\": [{\"feature\": \"faq\", \"mode\": \"exact\", \"ttl_seconds\": 600}]}");
        gw = GatewayFixture.optimized(dir, Clock.systemUTC(), Map.of("SPENDGATE_CACHE_MAX_ANSWERS", "2"));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void pastTheAnswerBound_theOldestFillIsAskedAgain_theNewestIsServed() {
        assertThat(askAndWaitForFill("first")).isEqualTo("miss");
        assertThat(askAndWaitForFill("second")).isEqualTo("miss");
        assertThat(askAndWaitForFill("third")).isEqualTo("miss");

        long deadline = System.nanoTime() + 10_000_000_000L; // the oldest is deleted just after the new one is written
        while (answers().size() > 2 && System.nanoTime() < deadline) {
            LockSupport.parkNanos(5_000_000);
        }
        assertThat(answers()).as("answer files on disk").hasSize(2);
        assertThat(cacheHeader(ask("third"))).isEqualTo("hit");
        assertThat(cacheHeader(ask("first"))).as("the oldest fill was dropped").isEqualTo("miss");
    }

    private HttpResponse<String> ask(String question) {
        return gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"user\","
                                + "\"content\":\"The " + question + " question\"}]}")
                .header("X-Cost-Feature", "faq"));
    }

    /** Asks, and when it missed waits for its fill (written after the answer left) to reach the disk. */
    private String askAndWaitForFill(String question) {
        Set<String> before = answers();
        HttpResponse<String> response = ask(question);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (before.containsAll(answers())) {
            assertThat(System.nanoTime()).as("cache filled within 10 s").isLessThan(deadline);
            LockSupport.parkNanos(5_000_000);
        }
        return cacheHeader(response);
    }

    private static String cacheHeader(HttpResponse<String> response) {
        return response.headers().firstValue("X-Spendgate-Cache").orElse(null);
    }

    private Set<String> answers() {
        Path root = dir.resolve("cache").resolve("answers");
        if (!Files.isDirectory(root)) {
            return Set.of();
        }
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .map(p -> p.getFileName().toString())
                    .collect(Collectors.toSet());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
