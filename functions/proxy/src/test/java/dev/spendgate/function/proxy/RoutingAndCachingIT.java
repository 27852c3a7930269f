package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.spendgate.domain.routing.PolicyFileException;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Routing rules, the response cache and prompt caching through the real local server and the fake upstream. */
class RoutingAndCachingIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYSTEM = "You answer questions about Acme's help centre. ".repeat(120);
    private static final String POLICY = """
            {"allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
             "routes": [{"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "triage"},
                        {"id": "half", "from": "gpt-4o", "to": "gpt-4o-mini", "feature": "sampled",
                         "share_percent": "30"}],
             "cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 60},
                       {"feature": "help", "mode": "semantic", "ttl_seconds": 600, "threshold": "0.90"}],
             "prompt_caching": [{"feature": "kb"}]}
            """;

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.now());
    private GatewayFixture gw;

    private GatewayFixture start(String policy) throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), policy);
        gw = GatewayFixture.optimized(dir, clock, java.util.Map.of("SPENDGATE_ADMIN_TOKEN", "admin-secret"));
        return gw;
    }

    private HttpResponse<String> admin(String method, String body) {
        return gw.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(gw.server.baseUrl() + "/admin/policy"))
                .header("Authorization", "Bearer admin-secret")
                .header("Content-Type", "application/json")
                .method(method, java.net.http.HttpRequest.BodyPublishers.ofString(body)));
    }

    @Test
    void adminApi_refusesAMoveOutsideTheAllowListAndServesTheStoredPolicy() throws Exception {
        start("{}");

        HttpResponse<String> refused = admin(
                "PUT",
                POLICY.replace(
                        "\"to\": \"gpt-4o-mini\", \"feature\": \"triage\"", "\"to\": \"o3\", \"feature\": \"triage\""));
        HttpResponse<String> stored = admin("PUT", POLICY);
        clock.advance(Duration.ofSeconds(2)); // the gateway re-reads the policy at most once a second
        HttpResponse<String> routed = call("triage", chat("gpt-4o", "Classify: printer on fire"));

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).at("/error/param").asText()).isEqualTo("routes[0].to");
        assertThat(stored.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(admin("GET", "").body()).at("/routes/0/id").asText())
                .isEqualTo("triage-mini");
        assertThat(header(routed, "X-Spendgate-Routed")).isEqualTo("gpt-4o -> gpt-4o-mini (rule triage-mini)");
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    private static String chat(String model, String question) {
        return "{\"model\":\"" + model + "\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\""
                + SYSTEM + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    private HttpResponse<String> call(String feature, String body, String... headers) {
        var request = gw.post("/v1/chat/completions", body)
                .header("X-Cost-Feature", feature)
                .header("X-Cost-Department", "support");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        long before = lastWrite("answers");
        long prefixesBefore = lastWrite("prefixes");
        long countBefore = count("answers");
        HttpResponse<String> response = gw.send(request);
        if ("miss".equals(header(response, "X-Spendgate-Cache")) && response.statusCode() == 200) {
            // the gateway fills the cache after the answer has left (no latency for the caller); a client that comes
            // back at once can overtake the fill, so wait for it as a later caller would
            awaitFill(before, countBefore, feature.equals("help") ? prefixesBefore : null);
        }
        return response;
    }

    /** Waits until an answer (and, for a semantic rule, its prefix index) was written after the call began. */
    private void awaitFill(long answersBefore, long countBefore, Long prefixesBefore) {
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline) {
            // a newer write, or (file times tick coarsely) one more answer than before
            if ((lastWrite("answers") > answersBefore || count("answers") > countBefore)
                    && (prefixesBefore == null || lastWrite("prefixes") > prefixesBefore)) {
                // the store moves the file in place, then marks the answer present in memory, which a lookup reads
                // first: give that step a moment on a loaded machine
                java.util.concurrent.locks.LockSupport.parkNanos(20_000_000);
                return;
            }
            java.util.concurrent.locks.LockSupport.parkNanos(2_000_000);
        }
        throw new AssertionError("the cache was not filled within 10 s");
    }

    private long count(String sub) {
        Path root = dir.resolve("cache").resolve(sub);
        if (!Files.isDirectory(root)) {
            return 0;
        }
        try (var files = Files.walk(root)) {
            return files.filter(RoutingAndCachingIT::stored).count();
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }

    /** The newest modification time (ns) of the cache's files under {@code sub}, or -1 when there are none. */
    private long lastWrite(String sub) {
        Path root = dir.resolve("cache").resolve(sub);
        if (!Files.isDirectory(root)) {
            return -1;
        }
        try (var files = Files.walk(root)) {
            return files.filter(RoutingAndCachingIT::stored)
                    .mapToLong(f -> {
                        try {
                            return Files.getLastModifiedTime(f).to(java.util.concurrent.TimeUnit.NANOSECONDS);
                        } catch (java.io.IOException e) {
                            return -1; // moved or deleted while listed
                        }
                    })
                    .max()
                    .orElse(-1);
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return -1;
        }
    }

    /** A stored cache file: not the store's temporary file (".tmp-*.json"), which exists before its content. */
    private static boolean stored(Path f) {
        String name = f.getFileName().toString();
        return name.endsWith(".json") && !name.startsWith(".tmp-");
    }

    private static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    private UsageRecord record(HttpResponse<?> r) {
        return gw.record(header(r, Gateway.REQUEST_ID_HEADER));
    }

    @Test
    void exactRepeat_isServedFromTheCache_upstreamSeesOneCall_recordSavesTheFirstCost() throws Exception {
        start(POLICY);

        HttpResponse<String> first = call("faq", chat("gpt-4o", "How do I reset my password?"));
        HttpResponse<String> second = call("faq", chat("gpt-4o", "How do I reset my password?"));

        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(second.body())).isEqualTo(JSON.readTree(first.body()));
        assertThat(header(first, "X-Spendgate-Cache")).isEqualTo("miss");
        assertThat(header(second, "X-Spendgate-Cache")).isEqualTo("hit");
        UsageRecord miss = record(first);
        UsageRecord hit = record(second);
        assertThat(miss.optimization().cache()).isEqualTo("miss");
        assertThat(miss.costUsd()).isPositive();
        assertThat(hit.optimization().cache()).isEqualTo("hit");
        assertThat(hit.costUsd()).isEqualByComparingTo(BigDecimal.ZERO);
        assertThat(hit.optimization().savedUsd()).isEqualByComparingTo(miss.costUsd());
        assertThat(hit.schemaVersion()).isEqualTo(UsageRecord.OPTIMIZATION_SCHEMA_VERSION);
    }

    @Test
    void streamedHit_replaysTheUsageChunkOnlyToAClientThatAskedForIt() throws Exception {
        start(POLICY);
        String question = chat("gpt-4o", "Do you ship abroad?");
        call("faq", question);

        HttpResponse<String> notAsked = call("faq", question.replace("{\"model\"", "{\"stream\":true,\"model\""));
        HttpResponse<String> asked = call(
                "faq",
                question.replace(
                        "{\"model\"", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},\"model\""));

        assertThat(header(notAsked, "X-Spendgate-Cache")).isEqualTo("hit");
        assertThat(header(asked, "X-Spendgate-Cache")).isEqualTo("hit");
        // OpenAI sends the usage-only chunk only when asked; client code reading choices[0] fails on it
        assertThat(notAsked.body()).doesNotContain("\"choices\":[]").endsWith("data: [DONE]\n\n");
        assertThat(asked.body()).contains("\"choices\":[],\"usage\":{").endsWith("data: [DONE]\n\n");
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
    }

    @Test
    void streamedCallAfterAPlainOne_isReplayedAsAStreamTheOpenAiSdkReads() throws Exception {
        start(POLICY);
        HttpResponse<String> first = call("faq", chat("gpt-4o", "What are your opening hours?"));
        OpenAIClient sdk = OpenAIOkHttpClient.builder()
                .baseUrl(gw.openAiBase())
                .apiKey(gw.secret)
                .maxRetries(0)
                .putHeader("X-Cost-Feature", "faq")
                .putHeader("X-Cost-Department", "support")
                .build();
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                .model("gpt-4o")
                .temperature(0.0)
                .addSystemMessage(SYSTEM)
                .addUserMessage("What are your opening hours?")
                .build();

        String text;
        try (var stream = sdk.chat().completions().createStreaming(params)) {
            text = stream.stream()
                    .flatMap(c -> c.choices().stream())
                    .map(c -> c.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }

        assertThat(text)
                .isEqualTo(JSON.readTree(first.body())
                        .at("/choices/0/message/content")
                        .asText());
        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        assertThat(gw.awaitRecords(2))
                .filteredOn(UsageRecord::stream)
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.optimization().cache()).isEqualTo("hit");
                    assertThat(r.costUsd()).isEqualByComparingTo(BigDecimal.ZERO);
                });
    }

    @Test
    void streamedMiss_fillsTheCache_andTheAnthropicSdkReadsTheReplayedStream() throws Exception {
        start(POLICY);
        AnthropicClient sdk = AnthropicOkHttpClient.builder()
                .baseUrl(gw.server.baseUrl())
                .apiKey(gw.secret)
                .maxRetries(0)
                .putHeader("X-Cost-Feature", "faq")
                .putHeader("X-Cost-Department", "support")
                .build();
        MessageCreateParams params = MessageCreateParams.builder()
                .model("claude-haiku-4-5")
                .maxTokens(256)
                .temperature(0.0)
                .addUserMessage("Summarise ticket 4411.")
                .build();

        String[] texts = new String[2];
        for (int i = 0; i < 2; i++) {
            StringBuilder streamed = new StringBuilder();
            try (StreamResponse<RawMessageStreamEvent> stream = sdk.messages().createStreaming(params)) {
                stream.stream()
                        .flatMap(e -> e.contentBlockDelta().stream())
                        .flatMap(d -> d.delta().text().stream())
                        .forEach(t -> streamed.append(t.text()));
            }
            texts[i] = streamed.toString();
        }

        assertThat(gw.upstream.requestCount()).isEqualTo(1);
        assertThat(texts[1]).isEqualTo(texts[0]).isEqualTo(Behavior.defaults().text());
    }

    @Test
    void semantic_paraphraseHits_differentQuestionBehindTheSameLongPromptDoesNot() throws Exception {
        start(POLICY);

        call("help", chat("gpt-4o", "How do I reset my password?"));
        HttpResponse<String> paraphrase = call("help", chat("gpt-4o", "how can I reset my password, please?"));
        HttpResponse<String> other = call("help", chat("gpt-4o", "How do I reset my username?"));

        assertThat(header(paraphrase, "X-Spendgate-Cache")).isEqualTo("hit");
        assertThat(header(other, "X-Spendgate-Cache")).isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    @Test
    void noCacheHeader_bypassesTheCache() throws Exception {
        start(POLICY);
        call("faq", chat("gpt-4o", "q1"));

        HttpResponse<String> bypass = call("faq", chat("gpt-4o", "q1"), "Cache-Control", "no-cache");

        assertThat(header(bypass, "X-Spendgate-Cache")).isEqualTo("bypass");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
        assertThat(record(bypass).optimization().cache()).isEqualTo("bypass");
    }

    @Test
    void afterTheTtl_theAnswerIsFetchedAgain() throws Exception {
        start(POLICY);
        call("faq", chat("gpt-4o", "q1"));
        clock.advance(Duration.ofSeconds(61));

        HttpResponse<String> again = call("faq", chat("gpt-4o", "q1"));

        assertThat(header(again, "X-Spendgate-Cache")).isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    @Test
    void routingRule_movesTheFeaturesCallsToTheCheaperModel() throws Exception {
        start(POLICY);

        HttpResponse<String> routed = call("triage", chat("gpt-4o", "Classify: printer on fire"));

        assertThat(gw.upstream.lastRequest().bodyJson().get("model").asText()).isEqualTo("gpt-4o-mini");
        assertThat(header(routed, "X-Spendgate-Routed")).isEqualTo("gpt-4o -> gpt-4o-mini (rule triage-mini)");
        UsageRecord r = record(routed);
        assertThat(r.modelRequested()).isEqualTo("gpt-4o");
        assertThat(r.optimization().routedBy()).isEqualTo("triage-mini");
        assertThat(r.modelServed()).startsWith("gpt-4o-mini");
    }

    @Test
    void sampledRule_movesAboutItsShare() throws Exception {
        start(POLICY);
        int moved = 0;
        for (int i = 0; i < 200; i++) {
            if (header(call("sampled", chat("gpt-4o", "q" + i)), "X-Spendgate-Routed") != null) {
                moved++;
            }
        }

        assertThat(moved).isBetween(40, 80); // 30 % of 200 = 60
    }

    @Test
    void moveOutsideTheAllowList_isRefusedAtLoad() throws Exception {
        assertThatThrownBy(() -> start(POLICY.replace(
                        "\"to\": \"gpt-4o-mini\", \"feature\": \"triage\"", "\"to\": \"o3\", \"feature\": \"triage\"")))
                .isInstanceOf(PolicyFileException.class)
                .hasMessageContaining("routes[0].to");
    }

    @Test
    void routeToAModelOfAnotherProvider_isNotSentToTheProviderOfTheModelAsked() throws Exception {
        // allowed_moves is keyed by provider, but a move between two providers' models is accepted at load
        String policy = """
                {"allowed_moves": {"anthropic": ["claude-sonnet-4-5>gpt-4o-mini"]},
                 "routes": [{"id": "cheap", "from": "claude-sonnet-4-5", "to": "gpt-4o-mini", "feature": "triage"}]}
                """;
        try {
            start(policy);
        } catch (PolicyFileException refusedAtLoad) {
            return; // one fix: the move is refused naming the field
        }

        HttpResponse<String> r = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Classify: printer on fire\"}]}")
                .header("X-Cost-Feature", "triage")
                .header("anthropic-version", "2023-06-01"));

        // Anthropic's Messages API answers a model it does not serve with 404 not_found_error
        assertThat(gw.upstream.requests())
                .as("status " + r.statusCode() + ", routed " + header(r, "X-Spendgate-Routed"))
                .noneSatisfy(q -> assertThat(q.path().endsWith("/messages")
                                && q.bodyJson().path("model").asText().equals("gpt-4o-mini"))
                        .isTrue());
    }

    @Test
    void route_callAskingMoreOutputThanTheCheaperModelGives_isNotSentThereAsIs() throws Exception {
        start("""
                {"allowed_moves": {"openai": ["gpt-4.1>gpt-4o-mini"]},
                 "routes": [{"id": "mini", "from": "gpt-4.1", "to": "gpt-4o-mini", "feature": "triage"}]}
                """);

        // valid for gpt-4.1 (32,768 output tokens); gpt-4o-mini answers at most 16,384 and refuses more with a 400
        HttpResponse<String> r = call(
                "triage",
                "{\"model\":\"gpt-4.1\",\"max_tokens\":30000,\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"Summarise the attached contract\"}]}");

        assertThat(gw.upstream.requests())
                .as("status " + r.statusCode() + ", routed " + header(r, "X-Spendgate-Routed"))
                .noneSatisfy(q -> assertThat(q.bodyJson().path("model").asText().equals("gpt-4o-mini")
                                && q.bodyJson().path("max_tokens").asLong() > 16_384)
                        .isTrue());
    }

    @Test
    void promptCaching_longStablePrefixGetsTheBreakpointAndThenReadsTheCache() throws Exception {
        start(POLICY);
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"" + SYSTEM
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Q%d\"}]}";
        UsageRecord[] records = new UsageRecord[3];
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = gw.send(gw.post("/v1/messages", body.formatted(i))
                    .header("X-Cost-Feature", "kb")
                    .header("anthropic-version", "2023-06-01"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            records[i] = record(r);
        }

        assertThat(gw.upstream.requests().get(0).bodyString()).doesNotContain("cache_control");
        assertThat(gw.upstream
                        .requests()
                        .get(1)
                        .bodyJson()
                        .at("/system/0/cache_control/type")
                        .asText())
                .isEqualTo("ephemeral");
        assertThat(records[1].tokens().cacheWriteTokens()).isPositive();
        assertThat(records[1].optimization().promptCache()).isEqualTo("5m");
        assertThat(records[2].tokens().cachedInputTokens()).isPositive();
    }

    @Test
    void promptCaching_hourMarkAddedAfterAdmission_blockBudgetSpendsPastItsLimit() throws Exception {
        start(POLICY);
        setBudget("100");
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"" + SYSTEM
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Q\"}]}";
        var json = JSON.readTree(body);
        var estimator = new dev.spendgate.function.proxy.budget.CostEstimator(
                dev.spendgate.domain.pricing.PricingCatalog.bundled(), 4096);
        var prompt = dev.spendgate.function.proxy.usage.PromptText.of(
                dev.spendgate.function.proxy.upstream.Endpoint.MESSAGES, json);
        BigDecimal reserved = estimator
                .estimate(
                        "anthropic",
                        "claude-sonnet-4-5",
                        dev.spendgate.function.proxy.upstream.Endpoint.MESSAGES,
                        prompt,
                        json)
                .orElseThrow();
        long worstInput = estimator.billedInputTokens("anthropic", "claude-sonnet-4-5", prompt, json);
        UsageRecord first = record(kb(body));
        // room for the call as the client sent it (at most $0.0001 to spare), not for the 1-hour cache write the
        // gateway then adds (2x the input price) to the bytes it forwards
        BigDecimal limit = first.costUsd().add(reserved).add(new BigDecimal("0.0001"));
        setBudget(limit.toPlainString());
        clock.advance(Duration.ofMinutes(10)); // seen 10 minutes ago: the 1-hour cache
        // Anthropic bills the marked prefix (the input the worst case counted) as a 1-hour cache write
        gw.upstream.enqueue(Behavior.defaults()
                .withInputTokens(1)
                .withCacheWrite1hTokens((int) worstInput)
                .withPieces("ok"));

        HttpResponse<String> second = kb(body);

        if (second.statusCode() == 200) {
            UsageRecord marked = record(second);
            assertThat(first.costUsd().add(marked.costUsd()))
                    .as("spent on a block budget of " + limit + " (second call prompt_cache "
                            + marked.optimization().promptCache() + ")")
                    .isLessThanOrEqualTo(limit);
        }
    }

    private HttpResponse<String> kb(String body) {
        return gw.send(
                gw.post("/v1/messages", body).header("X-Cost-Feature", "kb").header("anthropic-version", "2023-06-01"));
    }

    private void setBudget(String limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new dev.spendgate.domain.budget.BudgetPolicy(
                        dev.spendgate.domain.budget.BudgetScope.parse("global"),
                        dev.spendgate.domain.budget.BudgetPeriod.DAILY,
                        new BigDecimal(limit),
                        dev.spendgate.domain.budget.BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
    }

    @Test
    void promptCaching_shortPrefix_getsNoBreakpoint() throws Exception {
        start(POLICY);
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"system\":\"Be brief.\","
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        for (int i = 0; i < 3; i++) {
            gw.send(gw.post("/v1/messages", body).header("X-Cost-Feature", "kb"));
        }

        assertThat(gw.upstream.requests())
                .allSatisfy(r -> assertThat(r.bodyString()).doesNotContain("cache_control"));
    }

    static final class MutableClock extends Clock {
        private volatile Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
