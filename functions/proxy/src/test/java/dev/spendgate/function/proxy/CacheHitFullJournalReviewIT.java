package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageJournal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the response cache when the usage journal cannot be written (session 26, rev26d). README, "Usage record",
 * what survives a full disk: "while it fails, the call already answered keeps its record in memory and new calls are
 * refused with 503 usage_log_unavailable (nothing forwarded) until a retry succeeds"; the standard: a call answered is
 * a call recorded (SIGKILL, full disk). That refusal lives in {@code Admit}, and a cache hit is answered by the lookup
 * before it: on a full disk every repeated question is still answered, each with a record that exists only in memory
 * and is lost if the process is killed before space returns.
 */
class CacheHitFullJournalReviewIT {
    @TempDir
    Path dir;

    private GatewayFixture gw;

    /** A journal whose disk fills when told: every append fails as a full disk's does. */
    private static final class FillingJournal implements UsageJournal {
        volatile boolean full;

        @Override
        public void append(byte[] line) {
            if (full) {
                throw new UncheckedIOException(new IOException("No space left on device"));
            }
        }

        @Override
        public String rotate() {
            return UsageJournal.newSegmentId(Instant.now());
        }

        @Override
        public void discard(String upToSegmentId) {}

        @Override
        public List<Segment> pending() {
            return List.of();
        }

        @Override
        public void sync() {}

        @Override
        public void close() {}
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private HttpResponse<String> ask(String question) {
        return gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"gpt-4o-mini\",\"temperature\":0,\"messages\":[{\"role\":\"user\",\"content\":\""
                                + question + "\"}]}")
                .header("X-Cost-Feature", "faq"));
    }

    @Test
    void fullDisk_repeatedQuestion_isRefusedLikeAnyNewCall() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 600}]}
                """);
        FillingJournal journal = new FillingJournal();
        gw = GatewayFixture.optimized(dir, new RoutingAndCachingIT.MutableClock(Instant.now()), Map.of(), journal);
        HttpResponse<String> first = ask("What is the refund window?");
        assertThat(first.headers().firstValue("X-Spendgate-Cache")).hasValue("miss");
        Path answers = dir.resolve("cache").resolve("answers");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !(Files.isDirectory(answers) && hasAnswer(answers))) {
            Thread.sleep(10);
        }

        journal.full = true;
        HttpResponse<String> onTheFullDisk = ask("Do you ship to Norway?"); // answered; its record only in memory
        assertThat(onTheFullDisk.statusCode()).isEqualTo(200);
        HttpResponse<String> newCall = ask("How long does delivery take?");
        HttpResponse<String> repeat = ask("What is the refund window?");

        assertThat(newCall.statusCode())
                .as("README: new calls are refused while the journal fails")
                .isEqualTo(503);
        assertThat(repeat.statusCode())
                .as(
                        "a repeat answered from the cache (X-Spendgate-Cache: %s) while no record can be made durable",
                        repeat.headers().firstValue("X-Spendgate-Cache").orElse(null))
                .isEqualTo(503);
    }

    /** Once the journal writes again, the retry before the lookup succeeds and a repeat is a hit again. */
    @Test
    void fullDisk_spaceReturns_repeatedQuestionIsServedFromTheCache() throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 600}]}
                """);
        FillingJournal journal = new FillingJournal();
        gw = GatewayFixture.optimized(dir, new RoutingAndCachingIT.MutableClock(Instant.now()), Map.of(), journal);
        assertThat(ask("What is the refund window?").headers().firstValue("X-Spendgate-Cache"))
                .hasValue("miss");
        Path answers = dir.resolve("cache").resolve("answers");
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (System.nanoTime() < deadline && !(Files.isDirectory(answers) && hasAnswer(answers))) {
            Thread.sleep(10);
        }
        journal.full = true;
        assertThat(ask("Do you ship to Norway?").statusCode()).isEqualTo(200); // its record held in memory
        assertThat(ask("What is the refund window?").statusCode()).isEqualTo(503);

        journal.full = false;
        HttpResponse<String> repeat = ask("What is the refund window?");

        assertThat(repeat.statusCode()).as(repeat.body()).isEqualTo(200);
        assertThat(repeat.headers().firstValue("X-Spendgate-Cache")).hasValue("hit");
        assertThat(gw.record(repeat.headers()
                                .firstValue(Gateway.REQUEST_ID_HEADER)
                                .orElseThrow())
                        .optimization()
                        .cache())
                .isEqualTo("hit");
    }

    private static boolean hasAnswer(Path answers) throws IOException {
        try (var files = Files.walk(answers)) {
            return files.anyMatch(f -> f.getFileName().toString().endsWith(".json")
                    && !f.getFileName().toString().startsWith(".tmp-"));
        }
    }
}
