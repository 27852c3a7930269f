package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.BudgetState;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 22, budgets round two): a block budget must never let settled spend pass its limit, and its ledger
 * must count each call's cost once. Real local gateway, file ledger, fake provider; calls sent concurrently.
 */
class BudgetEdgeRaceReviewIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    /** The gateway under test: the local one (file ledger); {@link DynamoDbBudgetEdgeRaceReviewIT}: DynamoDB. */
    GatewayFixture start(Path dir) {
        return start(dir, Map.of());
    }

    GatewayFixture start(Path dir, Map<String, String> env) {
        return GatewayFixture.embedded(dir, env);
    }

    private void budget(String scope, String limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse(scope),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal(limit),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
    }

    private List<HttpResponse<String>> concurrently(int calls, java.util.function.Supplier<HttpResponse<String>> call)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(calls);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                futures.add(pool.submit(call::get));
            }
            List<HttpResponse<String>> out = new ArrayList<>();
            for (Future<HttpResponse<String>> f : futures) {
                out.add(f.get());
            }
            return out;
        } finally {
            pool.shutdownNow();
        }
    }

    private static BigDecimal settled(List<UsageRecord> records) {
        return records.stream()
                .filter(r -> r.statusCode() == 200)
                .map(UsageRecord::costUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add);
    }

    /**
     * OpenAI bills a Responses call that continues a stored response ({@code previous_response_id}) for the whole
     * chain's input ("all previous input tokens for responses in the chain are billed as input tokens", OpenAI's
     * conversation-state guide). The worst case reserved only counts the body's new text ("Continue."), so a $1.00
     * block budget admits every such call: 10 concurrent calls of 120,000 billed input tokens on gpt-4o
     * ($2.50/M: $0.30 each) settle $3.00 on a $1.00 limit. README "Budgets": settled spend never exceeds a limit
     * except by an admitted call's actual cost over its worst-case estimate, "normally never"; a worst case that
     * bounds the chain (the model's context window, 128,000 tokens on gpt-4o: $0.32) admits at most 3 of them.
     */
    @Test
    void previousResponseId_chainBilledAsInput_blockBudgetSettlesOverItsLimit() throws Exception {
        gw = start(dir);
        budget("global", "1.00");
        gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(120_000));
        String body = "{\"model\":\"gpt-4o\",\"previous_response_id\":\"resp_68af1e2b\","
                + "\"input\":\"Continue.\",\"max_output_tokens\":16}";

        List<HttpResponse<String>> answers = concurrently(10, () -> gw.send(gw.post("/v1/responses", body)));

        long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
        List<UsageRecord> records = gw.awaitRecords((int) admitted);
        BigDecimal spent = settled(records);
        assertThat(spent)
                .as(
                        "settled spend of %d admitted calls (each billed 120,000 input tokens) on a $1.00 block budget",
                        admitted)
                .isLessThanOrEqualTo(new BigDecimal("1.00"));
    }

    /**
     * A budget for every feature ({@code feature:*}, $10) beside one for the chatbot feature ({@code
     * feature:chatbot}, $10) are two budgets on the same spend, but both count on one ledger item
     * ({@code budget#feature:chatbot#monthly#...}), so each call's cost is added twice: 20 concurrent chatbot calls
     * leave the item at twice the records' costs, and the README's proof ("the ledger's spend equals the records'
     * costs to the last digit") fails; the chatbot is refused (429) once it has really spent half its limit.
     */
    @Test
    void eachFeatureAndOneFeatureBudget_shareTheItem_ledgerCountsEveryCallOnce() throws Exception {
        gw = start(dir);
        budget("feature:*", "10");
        budget("feature:chatbot", "10");
        // gpt-4o: 4000 input tokens x $2.50 + 24 output x $10 per 1M = $0.01024 per call
        gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(4000));
        String body = "{\"model\":\"gpt-4o\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour.\"}]}";

        List<HttpResponse<String>> answers = concurrently(
                20, () -> gw.send(gw.post("/v1/chat/completions", body).header("X-Cost-Feature", "chatbot")));

        long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
        assertThat(admitted).isEqualTo(20);
        BigDecimal recorded = settled(gw.awaitRecords(20));
        BudgetPolicy chatbot = gw.runtime.budgetStores().policies().list().stream()
                .filter(p -> p.scope().toString().equals("feature:chatbot"))
                .findFirst()
                .orElseThrow();
        BudgetState item = gw.runtime
                .budgetStores()
                .ledger()
                .state(chatbot.itemKey("chatbot", Instant.now()))
                .orElseThrow();
        assertThat(item.reserved()).as("reserved after every call settled").isEqualByComparingTo("0");
        assertThat(item.spent())
                .as("ledger spend of feature chatbot vs the records' costs (%s)", recorded.toPlainString())
                .isEqualByComparingTo(recorded);
    }

    /**
     * Anthropic's web fetch tool puts each fetched page or PDF into the conversation and bills it as input tokens
     * ("Web fetch usage has no additional charges beyond standard token costs": the fetched content is input), up to
     * {@code max_uses} fetches of at most {@code max_content_tokens} each. The worst case counts only the tool's JSON,
     * so a call that may fetch 2 x 75,000 tokens (claude-sonnet-4-5 at $3/M: $0.45) is reserved at a fraction of a
     * cent: 10 concurrent such calls, each billed 150,000 input tokens, are all admitted by a $1.00 block budget and
     * settle $4.50. A worst case holding the fetches admits 2 ($0.90).
     */
    @Test
    void anthropicWebFetch_fetchedContentBilledAsInput_blockBudgetSettlesOverItsLimit() throws Exception {
        gw = start(dir);
        budget("global", "1.00");
        gw.upstream.setDefaultBehavior(Behavior.defaults().withInputTokens(150_000));
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,"
                + "\"tools\":[{\"type\":\"web_fetch_20250910\",\"name\":\"web_fetch\",\"max_uses\":2,"
                + "\"max_content_tokens\":75000}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Summarise https://example.com/annual-report-2025.pdf\"}]}";

        List<HttpResponse<String>> answers = concurrently(
                10,
                () -> gw.send(gw.post("/v1/messages", body)
                        .header("anthropic-version", "2023-06-01")
                        .header("anthropic-beta", "web-fetch-2025-09-10")));

        long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
        BigDecimal spent = settled(gw.awaitRecords((int) admitted));
        assertThat(spent)
                .as(
                        "settled spend of %d admitted calls (each billed 150,000 input tokens) on a $1.00 block budget",
                        admitted)
                .isLessThanOrEqualTo(new BigDecimal("1.00"));
    }

    /**
     * OpenAI's {@code service_tier} defaults to {@code auto}: "the request will be processed with the service tier
     * configured in the Project settings" (API reference), so a project set to priority gets priority, billed at
     * its rates (gpt-4.1: $14/M output, 1.75 x standard) with no tier in the request; Spendgate prices the tier served.
     * The worst case of a request naming no tier is reserved at standard rates (where a residency multiplier a
     * workspace default may apply is reserved at its largest, README "Worst-case estimate"). 10 concurrent gpt-4.1
     * calls capped at 10,000 output tokens ($0.0801 reserved each) are admitted 6 by a $0.50 block budget; each is
     * answered at priority with 10,000 tokens ($0.14) and they settle $0.84, $0.34 over the limit. Reserved at the
     * priority rate ($0.1401), 3 are admitted ($0.42).
     */
    @Test
    void noTierRequested_projectServesPriority_concurrentCallsSettleOverTheLimit() throws Exception {
        // the operator says the project's default tier is priority (most projects are served standard unasked)
        gw = start(dir, Map.of("SPENDGATE_RESERVE_UNASKED_TIER", "dearest"));
        budget("global", "0.50");
        gw.upstream.setDefaultBehavior(Behavior.defaults()
                .withPieceCount(10_000)
                .withServedServiceTier("priority")
                .withFirstByteDelay(java.time.Duration.ofMillis(800)));
        String body = "{\"model\":\"gpt-4.1\",\"max_tokens\":10000,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Write a long story.\"}]}";

        List<HttpResponse<String>> answers = concurrently(10, () -> gw.send(gw.post("/v1/chat/completions", body)));

        long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
        BigDecimal spent = settled(gw.awaitRecords((int) admitted));
        assertThat(spent)
                .as("settled spend of %d concurrent gpt-4.1 calls served at priority on a $0.50 block budget", admitted)
                .isLessThanOrEqualTo(new BigDecimal("0.50"));
    }

    /**
     * Anthropic adds a tool-use system prompt to every request that offers tools, billed as input: 346 tokens on
     * Claude Sonnet 4.5 with {@code tool_choice} auto or none (Anthropic's pricing page, "Tool use system prompt token
     * count"). The worst case counts the tools' JSON and the messages (x 1.35) but not that prompt, so a short
     * classification call (one small tool, {@code max_tokens} 5, about 70 tokens of text and JSON) is reserved at
     * under $0.00034 and billed 346 + 54 = 400 input tokens ($0.0012 + $0.000075 output, $0.001275): 30 concurrent
     * calls on a $0.01 block budget are all admitted and settle $0.03825, 3.8 times the limit. Reserved with the
     * 346 tokens (over $0.00127 each), at most 7 fit.
     */
    @Test
    void anthropicTools_toolUseSystemPromptBilled_blockBudgetSettlesOverItsLimit() throws Exception {
        gw = start(dir);
        budget("global", "0.01");
        gw.upstream.setDefaultBehavior(Behavior.defaults()
                .withInputTokens(400)
                .withPieceCount(5)
                .withFirstByteDelay(java.time.Duration.ofMillis(500)));
        String body = "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":5,"
                + "\"tools\":[{\"name\":\"label\",\"description\":\"Label a ticket\",\"input_schema\":"
                + "{\"type\":\"object\",\"properties\":{\"label\":{\"type\":\"string\"}}}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Ticket: my invoice is wrong. Label it.\"}]}";

        List<HttpResponse<String>> answers = concurrently(
                30, () -> gw.send(gw.post("/v1/messages", body).header("anthropic-version", "2023-06-01")));

        long admitted = answers.stream().filter(r -> r.statusCode() == 200).count();
        BigDecimal spent = settled(gw.awaitRecords((int) admitted));
        assertThat(spent)
                .as("settled spend of %d concurrent Claude calls with one tool on a $0.01 block budget", admitted)
                .isLessThanOrEqualTo(new BigDecimal("0.01"));
    }
}
