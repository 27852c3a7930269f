package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKeys;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the response cache (session 17, rev17c): real proxied calls through the local server and the fake
 * upstream. Each test states what the README's "Routing and caching" section promises a user.
 */
class CacheReviewIT {
    private static final String SYSTEM = "You answer questions about Acme's help centre. ".repeat(40);

    @TempDir
    Path dir;

    private final RoutingAndCachingIT.MutableClock clock = new RoutingAndCachingIT.MutableClock(Instant.now());
    private GatewayFixture gw;

    private void start(String policy) throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), policy);
        gw = GatewayFixture.optimized(dir, clock);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static String chat(String system, String question) {
        return "{\"model\":\"gpt-4o\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\"" + system
                + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    /** One call as {@code secret}, waiting for its cache fill (made after the answer left) like a later caller. */
    private HttpResponse<String> call(String secret, String feature, String body, String... headers) {
        var request = gw.post("/v1/chat/completions", body)
                .setHeader("Authorization", "Bearer " + secret)
                .header("X-Cost-Feature", feature);
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        java.util.Set<String> answersBefore = names("answers");
        java.util.Map<String, String> prefixesBefore = contents("prefixes");
        HttpResponse<String> response = gw.send(request);
        if ("miss".equals(response.headers().firstValue("X-Spendgate-Cache").orElse(null))
                && response.statusCode() == 200) {
            // a fill writes an answer under a name not there before (each call here asks a new question or prompt)
            // and, when semantic, writes its prefix's index file: a new one, or the same prefix's rewritten
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (!answersBefore.containsAll(names("answers"))
                        && (!feature.startsWith("sem") || changed(prefixesBefore, contents("prefixes")))) {
                    java.util.concurrent.locks.LockSupport.parkNanos(30_000_000);
                    return response;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
            }
            throw new AssertionError("the cache was not filled within 10 s");
        }
        return response;
    }

    private long count(String sub) {
        Path root = dir.resolve("cache").resolve(sub);
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (var files = Files.walk(root)) {
            return files.filter(CacheReviewIT::stored).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    private java.util.Set<String> names(String sub) {
        Path root = dir.resolve("cache").resolve(sub);
        if (!Files.isDirectory(root)) {
            return java.util.Set.of();
        }
        try (var files = Files.walk(root)) {
            return files.filter(CacheReviewIT::stored)
                    .map(f -> f.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return java.util.Set.of();
        }
    }

    private static boolean changed(java.util.Map<String, String> before, java.util.Map<String, String> now) {
        return now != null && !now.equals(before);
    }

    /** The stored files under {@code sub}, name to content; null when one moved while being read. */
    private java.util.Map<String, String> contents(String sub) {
        Path root = dir.resolve("cache").resolve(sub);
        java.util.Map<String, String> out = new java.util.HashMap<>();
        if (!Files.isDirectory(root)) {
            return out;
        }
        try (var files = Files.walk(root)) {
            for (Path f : files.filter(CacheReviewIT::stored).toList()) {
                out.put(f.getFileName().toString(), Files.readString(f));
            }
            return out;
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return null;
        }
    }

    private static boolean stored(Path f) {
        String name = f.getFileName().toString();
        return name.endsWith(".json") && !name.startsWith(".tmp-");
    }

    private static String cacheHeader(HttpResponse<?> r) {
        return r.headers().firstValue("X-Spendgate-Cache").orElse(null);
    }

    /**
     * README: answers are "never across keys or departments unless share says so: ... department (any key of the
     * department)". A key of engineering is not a key of legal; sending the attribution header {@code
     * X-Cost-Department: legal} (a cost label any caller may set) must not hand it legal's cached answers.
     */
    @Test
    void shareDepartment_keyOfAnotherDepartmentClaimingItByHeader_isNotServedItsAnswers() throws Exception {
        start("""
                {"cache": [{"feature": "legal-faq", "mode": "exact", "ttl_seconds": 600, "share": "department"}]}
                """);
        String legalSecret = ProxyKeys.newSecret();
        gw.newKey(legalSecret, "legal-bot", new Attribution(null, "legal", null, "prod", null, null, null));
        String engSecret = ProxyKeys.newSecret();
        gw.newKey(engSecret, "eng-bot", new Attribution(null, "engineering", null, "prod", null, null, null));
        String question = chat("You are Acme's legal counsel.", "Summarise the settlement terms in case 88-A.");

        HttpResponse<String> legal = call(legalSecret, "legal-faq", question);
        HttpResponse<String> eng = call(engSecret, "legal-faq", question, "X-Cost-Department", "legal");

        assertThat(cacheHeader(legal)).isEqualTo("miss");
        assertThat(cacheHeader(eng))
                .as("engineering's key must not be served legal's cached answer")
                .isNotEqualTo("hit");
        // a key's stored department binds it (README, Attribution headers): the claim is refused before the cache
        assertThat(eng.statusCode()).as(eng.body()).isEqualTo(403);
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
    }

    /**
     * README: the policy is re-read within a second and a changed policy is the one in force; a cache rule's
     * {@code ttl_seconds} is how long its answers are served. After the TTL is cut from an hour to a minute (stale
     * answers), an answer two minutes old must not be served any more.
     */
    @Test
    void ttlLowered_answersOlderThanTheNewTtl_areNotServed() throws Exception {
        start("""
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                """);
        String question = chat(SYSTEM, "What is the price of the premium plan?");
        HttpResponse<String> first = call(gw.secret, "faq", question);

        Files.writeString(dir.resolve("policy/gateway-policy.json"), """
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 60}]}
                """);
        clock.advance(Duration.ofSeconds(120)); // past the new TTL, and the policy re-read (once a second)
        HttpResponse<String> again =
                gw.send(gw.post("/v1/chat/completions", question).header("X-Cost-Feature", "faq"));

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(again))
                .as("a 120 s old answer under a rule with ttl_seconds 60")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /**
     * README: "max_entries per feature (oldest fill dropped first)"; "the keys present, with their expiry, and the
     * semantic index are held in memory (read from the files at start, updated on every fill, expiry and eviction)".
     * With max_entries 2, six fills behind six different system prompts keep two answers, and the semantic index must
     * not keep growing with the evicted ones (memory, and a prefixes/ file each, read back at every start).
     */
    @Test
    void semantic_evictedAnswers_leaveTheSemanticIndex() throws Exception {
        start("""
                {"cache": [{"feature": "sem-faq", "mode": "semantic", "ttl_seconds": 600, "max_entries": 2}]}
                """);
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> r = call(
                    gw.secret,
                    "sem-faq",
                    chat("You are the help desk of shop number " + i + ".", "Do you ship" + " to Canada?"));
            assertThat(cacheHeader(r)).isEqualTo("miss");
            clock.advance(Duration.ofSeconds(1)); // each fill its own time, so "oldest" is well defined
        }

        assertThat(count("answers")).isEqualTo(2);
        assertThat(count("prefixes"))
                .as("semantic index files of prefixes whose answers max_entries evicted")
                .isLessThanOrEqualTo(2);
    }

    /**
     * README: "a false hit serves one user another question's answer, so precision is bought with recall"; the
     * similarity keeps direction apart ("100 USD to EUR" / "100 EUR to USD"). Who does what to whom is direction too:
     * "Can my manager read my messages?" and "Can I read my manager's messages?" have opposite answers, and the second
     * asker must not be served the first one's answer.
     */
    @Test
    void semantic_swappedRolesWithoutARoleWord_isAnotherQuestion() throws Exception {
        start("""
                {"cache": [{"feature": "sem-help", "mode": "semantic", "ttl_seconds": 600, "threshold": "0.95"}]}
                """);

        HttpResponse<String> first = call(gw.secret, "sem-help", chat(SYSTEM, "Can my manager read my messages?"));
        HttpResponse<String> second = call(gw.secret, "sem-help", chat(SYSTEM, "Can I read my manager's messages?"));

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(second))
                .as("a different question behind the same prompt, even at the strictest threshold 0.95")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /**
     * README: "negations and numbers kept; different numbers never match" ("order 1234" / "order 1235" is its own
     * labelled example of a different question). Order, invoice and ticket numbers are mostly letters and digits
     * ("AB1234"); in a question of twenty-odd content words one such id differing must not hand the second customer the
     * first one's order status, at the default threshold 0.90.
     */
    @Test
    void semantic_differentOrderIdWithLetters_isAnotherQuestion() throws Exception {
        start("""
                {"cache": [{"feature": "sem-orders", "mode": "semantic", "ttl_seconds": 600}]}
                """);
        String question = "Hello, I ordered a blue winter jacket and matching gloves last Tuesday, paid by credit card,"
                + " and the tracking page still shows processing. When will order %s be dispatched to my home address"
                + " in Leeds?";

        HttpResponse<String> first = call(gw.secret, "sem-orders", chat(SYSTEM, question.formatted("AB1234")));
        HttpResponse<String> second = call(gw.secret, "sem-orders", chat(SYSTEM, question.formatted("AB1235")));

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(second))
                .as("order AB1235's customer asking; the cache holds order AB1234's answer")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /**
     * README: "max_entries per feature (oldest fill dropped first)". A slow answer (a long generation) that fills
     * after two quicker ones is the newest fill; at max_entries 2 the quicker first one is dropped, and the slow
     * answer, the most expensive to make again, is served to the next identical call.
     */
    @Test
    void maxEntries_slowAnswerFilledLast_isKeptAndTheOldestFillDropped() throws Exception {
        start("""
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 600, "max_entries": 2}]}
                """);
        String slow = chat(SYSTEM, "Write the full onboarding guide for new support agents.");
        gw.upstream.enqueue(
                dev.spendgate.testing.upstream.Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(2)));
        var slowCall = gw.http.sendAsync(
                gw.post("/v1/chat/completions", slow)
                        .header("X-Cost-Feature", "faq")
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (gw.upstream.requestCount() < 1 && System.nanoTime() < deadline) {
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000); // looked up, now at the provider
        }
        clock.advance(Duration.ofSeconds(1));
        call(gw.secret, "faq", chat(SYSTEM, "What are your opening hours?"));
        clock.advance(Duration.ofSeconds(1));
        call(gw.secret, "faq", chat(SYSTEM, "Do you ship to Canada?"));
        java.util.Set<String> beforeSlowFill = names("answers");
        HttpResponse<String> first = slowCall.get(10, java.util.concurrent.TimeUnit.SECONDS);
        long settle = System.nanoTime() + 5_000_000_000L;
        while (names("answers").equals(beforeSlowFill) && System.nanoTime() < settle) {
            java.util.concurrent.locks.LockSupport.parkNanos(5_000_000); // the fill runs after the answer left
        }
        // the store writes the file, then marks the answer present in memory: give that step a moment
        java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
        clock.advance(Duration.ofSeconds(1));

        HttpResponse<String> again =
                gw.send(gw.post("/v1/chat/completions", slow).header("X-Cost-Feature", "faq"));

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(again))
                .as("the newest fill, at max_entries 2, asked again")
                .isEqualTo("hit");
        assertThat(gw.upstream.requestCount()).isEqualTo(3);
    }
}
