package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.usage.UsageRecord;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review of the response cache and routing as a platform team runs them (session 23, rev23d): real calls through the
 * local server and a fake upstream. Each test states what the README's "Routing and caching" section promises.
 */
class CacheRoutingReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SYSTEM = "You answer questions about Acme's help centre. ".repeat(40);

    @TempDir
    Path dir;

    private final RoutingAndCachingIT.MutableClock clock = new RoutingAndCachingIT.MutableClock(Instant.now());
    private GatewayFixture gw;
    private HttpServer upstream;

    /**
     * Whether the gateway started with the policy set aside (a policy in force that fails the start-up checks is logged
     * and not used, so that it neither stops the start nor routes to a model that cannot be priced): then the call was
     * not routed, kept the model it asked for (gpt-4o) and is priced.
     */
    private boolean setAsideAtStart(HttpResponse<String> r) throws Exception {
        if (r.headers().firstValue("X-Spendgate-Routed").isPresent()) {
            return false;
        }
        UsageRecord kept = record(r);
        assertThat(kept.modelRequested()).isEqualTo("gpt-4o");
        assertThat(kept.modelServed()).startsWith("gpt-4o").doesNotContain("mnii");
        assertThat(kept.pricingStatus()).isEqualTo(UsageRecord.PricingStatus.PRICED);
        return true;
    }

    private void start(String policy) throws Exception {
        start(policy, Map.of());
    }

    private void start(String policy, Map<String, String> env) throws Exception {
        Files.createDirectories(dir.resolve("policy"));
        Files.writeString(dir.resolve("policy/gateway-policy.json"), policy);
        gw = GatewayFixture.optimized(dir, clock, env);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.stop(0);
        }
    }

    private static String chat(String question) {
        return "{\"model\":\"gpt-4o\",\"temperature\":0,\"messages\":[{\"role\":\"system\",\"content\":\"" + SYSTEM
                + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    /** One call, waiting for its cache fill (made after the answer left) as a later caller would. */
    private HttpResponse<String> call(String feature, String body) {
        return call("/v1/chat/completions", feature, body);
    }

    private HttpResponse<String> call(String path, String feature, String body) {
        var request = gw.post(path, body).header("X-Cost-Feature", feature);
        java.util.Set<String> before = names("answers");
        HttpResponse<String> response = gw.send(request);
        if ("miss".equals(cacheHeader(response)) && response.statusCode() == 200) {
            long deadline = System.nanoTime() + 3_000_000_000L;
            while (System.nanoTime() < deadline) {
                if (!before.containsAll(names("answers"))) {
                    // the index file of a semantic rule and the in-memory mark follow the answer's file
                    java.util.concurrent.locks.LockSupport.parkNanos(150_000_000);
                    return response;
                }
                java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
            }
        }
        return response;
    }

    private java.util.Set<String> names(String sub) {
        Path root = dir.resolve("cache").resolve(sub);
        if (!Files.isDirectory(root)) {
            return java.util.Set.of();
        }
        try (var files = Files.walk(root)) {
            return files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".json") && !n.startsWith(".tmp-"))
                    .collect(java.util.stream.Collectors.toSet());
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            return java.util.Set.of();
        }
    }

    private static String cacheHeader(HttpResponse<?> r) {
        return r.headers().firstValue("X-Spendgate-Cache").orElse(null);
    }

    /**
     * README, semantic mode: "framing like 'how do I' ... dropped", "a false hit serves one user another question's
     * answer, so precision is bought with recall", and "0 of 14 different questions of the same shape reach 0.85".
     * "Who can reset my password?" (answer: an administrator) and "How do I reset my password?" (answer: the steps)
     * are two questions; the question words "who", "how", "what", "which" and the modals ("can", "should", "must")
     * are all dropped as stop words, so the two score 1.0 and the second asker gets the first one's answer even at
     * the strictest threshold, 0.95.
     */
    @Test
    void semantic_whoCanVersusHowDoI_isAnotherQuestion() throws Exception {
        start("""
                {"cache": [{"feature": "sem-help", "mode": "semantic", "ttl_seconds": 600, "threshold": "0.95"}]}
                """);

        HttpResponse<String> first = call("sem-help", chat("How do I reset my password?"));
        HttpResponse<String> second = call("sem-help", chat("Who can reset my password?"));
        HttpResponse<String> third = call("sem-help", chat("Should I delete my account?"));
        HttpResponse<String> fourth = call("sem-help", chat("Can I delete my account?"));

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(third)).isEqualTo("miss");
        assertThat(cacheHeader(second))
                .as("'who can' asks for a person, 'how do I' for steps: another question, at threshold 0.95")
                .isEqualTo("miss");
        assertThat(cacheHeader(fourth))
                .as("'can I' asks permission, 'should I' advice: another question")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(4);
    }

    /**
     * README, semantic mode: "negations and numbers kept" (QuestionSimilarity: negations "are content, so they keep
     * different questions apart"). A question and its negation have opposite answers ("Which plans include X?" lists
     * the plans the other excludes); in a ten-content-word question the one added "not" leaves a Jaccard of 10/11 =
     * 0.909, over the default threshold 0.90, and the negated question is served the other one's list.
     */
    @Test
    void semantic_negatedQuestion_isAnotherQuestion() throws Exception {
        start("""
                {"cache": [{"feature": "sem-plans", "mode": "semantic", "ttl_seconds": 600}]}
                """);

        HttpResponse<String> first = call(
                "sem-plans",
                chat("Which enterprise plans include phone support, a dedicated account manager and single sign-on?"));
        HttpResponse<String> second = call(
                "sem-plans",
                chat("Which enterprise plans don't include phone support, a dedicated account manager and single"
                        + " sign-on?"));

        assertThat(cacheHeader(first)).isEqualTo("miss");
        assertThat(cacheHeader(second))
                .as("the negated question, whose answer is the other plans, at the default threshold 0.90")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /**
     * README: "A miss is forwarded and its successful, priced answer is kept". OpenAI-format providers configured
     * through SPENDGATE_PROVIDERS_FILE may answer an error with HTTP 200: OpenRouter's documentation says "the returned
     * HTTP response status will be 200 and any error occurred while the LLM is producing the output will be emitted in
     * the response body" ({"error": {"code": 502, "message": ...}}). Such an answer has no usage (the gateway records
     * it error_type usage_missing, cost estimated) and is no answer: kept, it is replayed as a hit to every identical
     * call for the TTL, recorded as a saving, while the provider is healthy again. A streamed call's fill already
     * refuses any answer recorded with an error_type; the non-streamed one does not.
     */
    @Test
    void errorAnsweredWithStatus200_isNotKept_theRetryReachesTheProvider() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        upstream.createContext("/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String body = calls.incrementAndGet() == 1
                    ? "{\"error\":{\"code\":502,\"message\":\"Upstream provider error: the model is overloaded\"}}"
                    : "{\"id\":\"chatcmpl-2\",\"object\":\"chat.completion\",\"created\":1765000000,"
                            + "\"model\":\"gpt-4o-2024-08-06\",\"choices\":[{\"index\":0,\"message\":{\"role\":"
                            + "\"assistant\",\"content\":\"Use the reset link.\",\"refusal\":null},\"logprobs\":null,"
                            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":400,"
                            + "\"completion_tokens\":5,\"total_tokens\":405}}";
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        upstream.start();
        start(
                """
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 600}]}
                """,
                Map.of(
                        "SPENDGATE_OPENAI_BASE_URL",
                        "http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1"));

        HttpResponse<String> failed = call("faq", chat("How do I reset my password?"));
        HttpResponse<String> retry = call("faq", chat("How do I reset my password?"));

        assertThat(failed.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(failed.body()).has("error")).isTrue();
        assertThat(cacheHeader(retry))
                .as("the client's retry of a call the provider answered with an error")
                .isEqualTo("miss");
        assertThat(JSON.readTree(retry.body()).at("/choices/0/message/content").asText())
                .isEqualTo("Use the reset link.");
        assertThat(calls.get()).isEqualTo(2);
    }

    private UsageRecord record(HttpResponse<?> r) {
        return gw.record(r.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElseThrow());
    }

    /**
     * README, Routing rules: a route "stay[s] with one provider API: a route between two providers' models
     * (claude-sonnet-4-5 to gpt-4o-mini) is refused at load naming the rule, since a route changes only the model".
     * With the Mistral provider of the README's SPENDGATE_PROVIDERS_FILE example, a route from gpt-4o (OpenAI) to
     * mistral-large-latest (Mistral) is accepted at load (the check knows model families by name only, and
     * "mistral-*" is none of them), and the routed call goes to OpenAI's URL with OpenAI's key, asking OpenAI for a
     * model it does not serve (a 404 for every call of the feature), recorded as OpenAI's unpriced call.
     */
    @Test
    void routeToAnotherConfiguredProvidersModel_isRefusedAtLoadOrNotSentToTheFirst() throws Exception {
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"mistral\",\"format\":\"openai\",\"base_url\":\"BASE\","
                        + "\"api_key_env\":\"MISTRAL_API_KEY\",\"models\":[\"mistral-*\"]}]");
        Path overrides = dir.resolve("prices.json");
        Files.writeString(
                overrides,
                "{\"models\":[{\"provider\":\"mistral\",\"model\":\"mistral-large-latest\","
                        + "\"input\":\"2.00\",\"output\":\"6.00\"}]}");
        String policy = """
                {"allowed_moves": {"openai": ["gpt-4o>mistral-large-latest"]},
                 "routes": [{"id": "cheap", "from": "gpt-4o", "to": "mistral-large-latest", "feature": "triage"}]}
                """;
        dev.spendgate.testing.upstream.FakeLlmUpstream fake = dev.spendgate.testing.upstream.FakeLlmUpstream.start();
        try {
            Files.writeString(providers, Files.readString(providers).replace("BASE", fake.openAiBaseUrl()));
            try {
                start(
                        policy,
                        Map.of(
                                "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                                "MISTRAL_API_KEY", "sk-mistral-key",
                                "SPENDGATE_PRICING_OVERRIDES", overrides.toString()));
            } catch (dev.spendgate.domain.routing.PolicyFileException refusedAtLoad) {
                assertThat(refusedAtLoad.getMessage()).contains("routes[0]");
                return; // one fix: the move is refused naming the rule
            }

            HttpResponse<String> r = gw.send(gw.post("/v1/chat/completions", chat("Classify: printer on fire"))
                    .header("X-Cost-Feature", "triage"));
            if (setAsideAtStart(r)) {
                return; // the other fix: the policy in force at start is logged and set aside, the call keeps its model
            }

            assertThat(r.headers().firstValue("X-Spendgate-Routed"))
                    .hasValue("gpt-4o -> mistral-large-latest (rule cheap)");
            // OpenAI's API answers a model it does not serve with 404 model_not_found
            assertThat(gw.upstream.requests())
                    .as("the routed call reached OpenAI's URL asking for mistral-large-latest")
                    .noneSatisfy(
                            q -> assertThat(q.bodyJson().path("model").asText()).isEqualTo("mistral-large-latest"));
            UsageRecord rec = record(r);
            assertThat(rec.provider()).as("provider recorded").isEqualTo("mistral");
            assertThat(rec.pricingStatus()).isEqualTo(UsageRecord.PricingStatus.PRICED);
        } finally {
            fake.close();
        }
    }

    /**
     * README: the policy document "is checked when it is loaded; anything wrong is refused with the field named", its
     * allowed_moves are "chains as SPENDGATE_DEGRADE_CHAINS" (where "a model the catalog ... prices for no
     * configured provider stops the start, naming it"), and "a routed call is reserved, forwarded and priced at the
     * new model". A typo in the cheaper model's name (gpt-4o-mnii) written in both allowed_moves and the route is
     * accepted; every call of the feature then goes to a model no catalog prices: recorded unpriced (no cost, so no
     * budget counts it; a block budget refuses all of them, as for any unpriced model), and at OpenAI a 404.
     */
    @Test
    void routeToAnUnpricedModel_isRefusedAtLoad() throws Exception {
        String policy = """
                {"allowed_moves": {"openai": ["gpt-4o>gpt-4o-mnii"]},
                 "routes": [{"id": "triage-mini", "from": "gpt-4o", "to": "gpt-4o-mnii", "feature": "triage"}]}
                """;
        try {
            start(policy);
        } catch (dev.spendgate.domain.routing.PolicyFileException refusedAtLoad) {
            assertThat(refusedAtLoad.getMessage()).contains("gpt-4o-mnii");
            return;
        }

        HttpResponse<String> r = gw.send(gw.post("/v1/chat/completions", chat("Classify: printer on fire"))
                .header("X-Cost-Feature", "triage"));
        if (setAsideAtStart(r)) {
            return; // the other fix: the policy in force at start is logged and set aside, the call keeps its model
        }

        UsageRecord rec = record(r);
        assertThat(rec.modelServed()).isEqualTo("gpt-4o-mnii");
        assertThat(rec.pricingStatus())
                .as("a routed call is priced at the new model; the policy that routes there loaded without a word")
                .isEqualTo(UsageRecord.PricingStatus.PRICED);
    }

    /**
     * README, Routing rules: {@code max_prompt_tokens} matches on the "estimated input"; {@code advisor apply} turns a
     * model_mismatch finding (calls "with <= 2,000 input ... tokens") into "a route of the feature's calls of at most
     * 2,000 prompt tokens to the cheaper model". Tool definitions are input the provider bills (and the gateway's
     * own budget estimate counts them), but the route counts the messages' text only: a call with a short question
     * and forty tool schemas, about 6,000 input tokens, is moved to gpt-4o-mini by a rule that promises to move only
     * calls of at most 2,000 prompt tokens (the harder, tool-heavy calls the finding never measured).
     */
    @Test
    void maxPromptTokens_countsToolDefinitions_aToolHeavyCallKeepsItsModel() throws Exception {
        start("""
                {"allowed_moves": {"openai": ["gpt-4o>gpt-4o-mini"]},
                 "routes": [{"id": "advisor-triage-gpt-4o", "from": "gpt-4o", "to": "gpt-4o-mini",
                             "feature": "triage", "max_prompt_tokens": 2000}]}
                """);
        StringBuilder tools = new StringBuilder();
        for (int i = 0; i < 40; i++) {
            tools.append(i == 0 ? "" : ",")
                    .append("{\"type\":\"function\",\"function\":{\"name\":\"lookup_record_")
                    .append(i)
                    .append("\",\"description\":\"")
                    .append(("Looks up one customer record in the billing ledger by its account number and returns"
                                    + " the invoices, payments, refunds and disputes filed against it. ")
                            .repeat(4))
                    .append("\",\"parameters\":{\"type\":\"object\",\"properties\":{\"account\":{\"type\":")
                    .append("\"string\",\"description\":\"The account number, e.g. ACC-1234\"}},")
                    .append("\"required\":[\"account\"]}}}");
        }
        String body = "{\"model\":\"gpt-4o\",\"temperature\":0,\"tools\":[" + tools
                + "],\"messages\":[{\"role\":\"user\",\"content\":\"Why was account ACC-1234 charged"
                + " twice?\"}]}";
        long toolTokens = dev.spendgate.function.proxy.usage.TokenCounter.count("gpt-4o", tools.toString());
        assertThat(toolTokens).as("tokens of the tool definitions alone").isGreaterThan(4000);

        HttpResponse<String> r = gw.send(gw.post("/v1/chat/completions", body).header("X-Cost-Feature", "triage"));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Spendgate-Routed"))
                .as("a call of " + toolTokens + "+ input tokens under a rule of max_prompt_tokens 2000")
                .isEmpty();
        assertThat(gw.upstream.requests())
                .singleElement()
                .satisfies(q -> assertThat(q.bodyJson().path("model").asText()).isEqualTo("gpt-4o"));
    }

    /**
     * README, Automatic prompt caching: the gateway marks a stable prefix "at least min_prefix_tokens" long and "the
     * mark is decided before the budgets reserve, so the reservation prices the cache write it causes"; on Bedrock a
     * model is marked only at its own minimum ("Claude Haiku 4.5 and Opus 4.5 4,096 tokens"). Anthropic's API has the
     * same minimums (prompt-cache-minimums.csv, from Anthropic's "Cache limitations": "Below it the request is
     * processed without caching and every input token is billed at the full input rate"), but on the Messages API
     * the gateway marks at the rule's 1,024: a 2,000-token system prompt to claude-haiku-4-5 is marked, its
     * reservation priced as a cache write that Anthropic never makes, and its record says prompt_cache 5m for a
     * call nothing was cached for.
     */
    @Test
    void promptCaching_anthropicApi_prefixBelowTheModelsMinimum_isNotMarked() throws Exception {
        start("""
                {"prompt_caching": [{"feature": "kb"}]}
                """);
        String system = "You answer questions about Acme's help centre. ".repeat(200);
        long prefixTokens = dev.spendgate.function.proxy.usage.TokenCounter.count("claude-haiku-4-5", system);
        assertThat(prefixTokens).as("prefix tokens").isBetween(1100L, 4000L);
        String body = "{\"model\":\"claude-haiku-4-5\",\"max_tokens\":100,\"system\":\"" + system
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Q%d\"}]}";
        HttpResponse<String> last = null;
        for (int i = 0; i < 2; i++) {
            last = gw.send(gw.post("/v1/messages", body.formatted(i))
                    .header("X-Cost-Feature", "kb")
                    .header("anthropic-version", "2023-06-01"));
            assertThat(last.statusCode()).as(last.body()).isEqualTo(200);
        }

        assertThat(gw.upstream.requests().get(1).bodyString().contains("cache_control"))
                .as("the second call of a " + prefixTokens + "-token prefix to claude-haiku-4-5 (minimum 4,096)"
                        + " marked for the prompt cache")
                .isFalse();
        assertThat(record(last).optimization().promptCache()).isNull();
    }

    /**
     * README, semantic mode: "a false hit serves one user another question's answer, so precision is bought with
     * recall"; the threshold runs "0.85 to 0.95". The varying part is the whole last message, so an instruction in it
     * is one word among the text it applies to: "Translate into French: <letter>" and "Translate into German:
     * <the same letter>" share 38 of 40 content words, a Jaccard of 0.95, and at the strictest threshold the German
     * request is answered with the French translation. Two requests differing only in what to do with a long text
     * (its language, "not", one name) always come close to 1.
     */
    @Test
    void semantic_sameTextAnotherTargetLanguage_isAnotherRequest() throws Exception {
        start("""
                {"cache": [{"feature": "sem-translate", "mode": "semantic", "ttl_seconds": 600, "threshold": "0.95"}]}
                """);
        String letter =
                "Dear customer, your quarterly invoice for the enterprise plan is attached. Payment is due within"
                        + " thirty days of the invoice date, and late payments incur a fee. If you believe any charge is wrong,"
                        + " reply to this message with the invoice reference and our billing team will review it and correct"
                        + " your account balance before the next billing cycle begins. Thank you for choosing Acme as your"
                        + " cloud storage provider.";

        HttpResponse<String> french = call("sem-translate", chat("Translate into French: " + letter));
        HttpResponse<String> german = call("sem-translate", chat("Translate into German: " + letter));

        assertThat(cacheHeader(french)).isEqualTo("miss");
        assertThat(cacheHeader(german))
                .as("a German translation asked for; the cache holds the French one (threshold 0.95)")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /**
     * README, Endpoints of the cache: a Responses call "with conversation" bypasses ("conversation": its state changes
     * every turn), while "previous_response_id names a stored response, which never changes, so it stays part of the
     * key": what a call refers to at the provider is cacheable only when it cannot change. A stored prompt named
     * without a version ({"prompt": {"id": "pmpt_..."}}) is the prompt's current version at OpenAI ("version: optional
     * version of the prompt template"), which changes whenever the team publishes a new one: the key holds only the
     * id, so after a new version is published the old version's answers are served for the rest of the TTL (an hour
     * by default, up to 7 days) as if the prompt had not changed.
     */
    @Test
    void responses_storedPromptWithoutVersion_isNotServedFromTheCache() throws Exception {
        start("""
                {"cache": [{"feature": "faq", "mode": "exact", "ttl_seconds": 3600}]}
                """);
        String body = "{\"model\":\"gpt-4.1-mini\",\"temperature\":0,\"prompt\":{\"id\":"
                + "\"pmpt_68ac2a9c1f3c8190\",\"variables\":{\"plan\":\"enterprise\"}},"
                + "\"input\":\"What does the plan include?\"}";

        HttpResponse<String> first = call("/v1/responses", "faq", body);
        // the team publishes version 2 of the prompt at OpenAI; the same call again
        HttpResponse<String> second = call("/v1/responses", "faq", body);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(cacheHeader(second))
                .as("a call answered from whatever version of the stored prompt is current at OpenAI")
                .isNotEqualTo("hit");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }

    /**
     * README, semantic mode: "negations and numbers kept ...; different numbers never match" ("order 1234" /
     * "order 1235"). Numbers written with Unicode number characters, vulgar fractions (U+00BD "½", U+00BC "¼",
     * U+00BE "¾", U+2153 "⅓") and superscripts ("m²", "m³"), are neither letters nor digits to the similarity, so they
     * are dropped: "How much is ¾ of the monthly fee?" and "How much is ⅓ of the monthly fee?" are one question to
     * it (similarity 1.0) and the second asker is told the first one's amount, at the strictest threshold.
     */
    @Test
    void semantic_differentUnicodeFractionsOrPowers_areDifferentNumbers() throws Exception {
        start("""
                {"cache": [{"feature": "sem-fees", "mode": "semantic", "ttl_seconds": 600, "threshold": "0.95"}]}
                """);

        HttpResponse<String> threeQuarters = call("sem-fees", chat("How much is \u00be of the monthly fee?"));
        HttpResponse<String> oneThird = call("sem-fees", chat("How much is \u2153 of the monthly fee?"));
        HttpResponse<String> square = call("sem-fees", chat("What does storage cost per m\u00b2 of floor space?"));
        HttpResponse<String> cubic = call("sem-fees", chat("What does storage cost per m\u00b3 of floor space?"));

        assertThat(cacheHeader(threeQuarters)).isEqualTo("miss");
        assertThat(cacheHeader(square)).isEqualTo("miss");
        assertThat(cacheHeader(oneThird))
                .as("a third of the fee asked; the cache holds three quarters")
                .isEqualTo("miss");
        assertThat(cacheHeader(cubic))
                .as("per cubic metre asked; the cache holds per square metre")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(4);
    }

    /**
     * README, semantic mode: stop words and "framing like 'how do I', 'please', 'tell me about'" are dropped; the
     * stop list also holds verbs that carry the question: "get" and "give" (and "show", "need", "want", "like").
     * "How do I get access to the admin console?" (a user asking for access) and "How do I give access to the admin
     * console?" (an admin granting it) have different answers and score 1.0, so the admin is served the user's
     * answer at the strictest threshold. Same cause as rev23d-1.
     */
    @Test
    void semantic_getVersusGiveAccess_isAnotherQuestion() throws Exception {
        start("""
                {"cache": [{"feature": "sem-help", "mode": "semantic", "ttl_seconds": 600, "threshold": "0.95"}]}
                """);

        HttpResponse<String> get = call("sem-help", chat("How do I get access to the admin console?"));
        HttpResponse<String> give = call("sem-help", chat("How do I give access to the admin console?"));

        assertThat(cacheHeader(get)).isEqualTo("miss");
        assertThat(cacheHeader(give))
                .as("granting access asked; the cache holds how to request it")
                .isEqualTo("miss");
        assertThat(gw.upstream.requestCount()).isEqualTo(2);
    }
}
