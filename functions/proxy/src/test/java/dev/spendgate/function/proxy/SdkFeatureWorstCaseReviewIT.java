package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.testing.upstream.Behavior;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Review (session 22): legitimate SDK requests whose billed input the worst-case estimate does not bound, so a block
 * budget admits a call that then settles above its limit. README "Budgets": "settled spend never exceeds a limit
 * except by the amount an admitted call's actual cost exceeded its estimate (the estimate is a worst case, so
 * normally never)".
 */
class SdkFeatureWorstCaseReviewIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_MAX_BODY_BYTES", "1000000"));
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    private void blockBudget(String limit) {
        gw.runtime
                .budgetStores()
                .policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal(limit),
                        Mode.BLOCK,
                        null,
                        null,
                        null));
    }

    private static String describe(HttpResponse<String> response, GatewayFixture gw) {
        String id = response.headers().firstValue(Gateway.REQUEST_ID_HEADER).orElse(null);
        if (response.statusCode() != 200 || id == null) {
            return "status " + response.statusCode();
        }
        UsageRecord record = gw.record(id);
        return "admitted (200) and settled at $" + record.costUsd() + " (" + record.tokens() + ")";
    }

    /**
     * The OpenAI SDK's stateful Responses call: {@code client.responses.create(previous_response_id=...)}. OpenAI
     * bills every input token of the earlier turns again as this call's input ("all previous input tokens for
     * responses in the chain are billed as input tokens", Conversation state guide), none of which is in the body.
     * The reservation counts the body's few words (about $0.001 on gpt-4o with a 100-token cap), so a $0.05 block
     * budget admits a turn that bills 100,000 input tokens ($0.25). gpt-4o's context window (128,000 tokens, $0.32
     * of input) is the bound the worst case needs; it does not fit $0.05, so the call must be refused, as a prompt
     * router ARN without an alias is.
     */
    @Test
    void responsesTurnWithPreviousResponseId_isNotAdmittedOnABudgetItsChainedInputCanOverspend() {
        blockBudget("0.05");
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(100_000).withPieceCount(5));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/responses",
                "{\"model\":\"gpt-4o\",\"previous_response_id\":\"resp_68af3c2e9f5c8190a1b2c3d4e5f60718\","
                        + "\"input\":\"And now in French, please.\",\"max_output_tokens\":100}"));

        assertThat(response.statusCode())
                .as("a 100,000-token chained turn on a $0.05 block budget: %s", describe(response, gw))
                .isEqualTo(429);
        assertThat(gw.upstream.requests()).isEmpty();
    }

    /**
     * The Anthropic SDK's PDF by URL ({@code {"type":"document","source":{"type":"url",...}}}, the same for a Files
     * API {@code file_id}). Anthropic takes PDFs of up to 100 pages (PDF support guide), and the README's own rule for
     * an inline PDF is 3,000 tokens per page: a referenced PDF may bill 300,000 input tokens. By URL it is reserved
     * as the URL's few text tokens (DocumentByUrlWorstCaseReviewTest: 36), and even the README's 50,000 for a
     * reference ($0.275 on claude-opus-4-7 with the 1.1x residency reserve) falls short of the $1.50 billed: a $0.50
     * block budget admits it and settles at three times its limit.
     */
    @Test
    void pdfByUrl_isReservedAtTheLargestDocumentTheProviderTakes_soAHalfDollarBudgetRefusesIt() {
        blockBudget("0.50");
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(300_000).withPieceCount(5));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-opus-4-7\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                                + "\"content\":[{\"type\":\"document\",\"source\":{\"type\":\"url\",\"url\":"
                                + "\"https://example.com/annual-report-2025.pdf\"}},"
                                + "{\"type\":\"text\",\"text\":\"Summarise the risk section.\"}]}]}")
                .header("anthropic-version", "2023-06-01"));

        assertThat(response.statusCode())
                .as("a 100-page PDF by URL on claude-opus-4-7 under a $0.50 block budget: %s", describe(response, gw))
                .isEqualTo(429);
        assertThat(gw.upstream.requests()).isEmpty();
    }

    /**
     * Anthropic's web search tool, capped as the README asks ("set the cap for a reservation that holds"):
     * {@code max_uses: 3}. Anthropic bills the search results as input tokens ("Search results retrieved throughout a
     * conversation are counted as input tokens", web search tool guide), inside this one call, beside the $10 per
     * 1,000 searches. The reservation has the three fees ($0.03), the output cap and the body's words (about $0.046
     * on claude-sonnet-4-5), nothing for the results: three searches bringing 40,000 tokens settle at $0.12 of input
     * on a $0.06 block budget. Any bound above about 1,600 tokens a search refuses the call.
     */
    @Test
    void cappedWebSearch_reservesTheResultsItBillsAsInput_soASixCentBudgetRefusesIt() {
        blockBudget("0.06");
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(40_000).withPieceCount(5));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"tools\":[{\"type\":"
                                + "\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":3}],"
                                + "\"messages\":[{\"role\":\"user\",\"content\":"
                                + "\"What changed in the EU AI Act this week?\"}]}")
                .header("anthropic-version", "2023-06-01"));

        assertThat(response.statusCode())
                .as("a web search call capped at 3 searches on a $0.06 block budget: %s", describe(response, gw))
                .isEqualTo(429);
        assertThat(gw.upstream.requests()).isEmpty();
    }

    /**
     * A computer-use agent through the Anthropic SDK: the computer, bash and text editor tools. Anthropic bills each
     * Anthropic-defined tool at a fixed number of input tokens, whatever its short JSON (tool use pricing table:
     * computer 735 tokens per tool definition, bash 245, text editor 700), beside the tool-use system prompt. The
     * reservation counts the definitions' JSON text (a few dozen tokens): about $0.001 with a 50-token cap, against at
     * least 1,680 tokens ($0.00504) plus output billed. A $0.004 block budget admits it; 2,300 input tokens settle at
     * $0.007.
     */
    @Test
    void computerUseTools_reserveTheirFixedDefinitionTokens_soAFourTenthsOfACentBudgetRefuses() {
        blockBudget("0.004");
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(2_300).withPieceCount(5));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":50,\"tools\":["
                                + "{\"type\":\"computer_20250124\",\"name\":\"computer\",\"display_width_px\":1024,"
                                + "\"display_height_px\":768},"
                                + "{\"type\":\"bash_20250124\",\"name\":\"bash\"},"
                                + "{\"type\":\"text_editor_20250728\",\"name\":\"str_replace_based_edit_tool\"}],"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Open the settings page.\"}]}")
                .header("anthropic-version", "2023-06-01")
                .header("anthropic-beta", "computer-use-2025-01-24"));

        assertThat(response.statusCode())
                .as("computer, bash and text editor tools on a $0.004 block budget: %s", describe(response, gw))
                .isEqualTo(429);
        assertThat(gw.upstream.requests()).isEmpty();
    }

    /**
     * Claude Opus 4.7 reads images up to 2,576 px on the long edge (Anthropic, "Images and vision": maximal native
     * resolution per model; a 2576x1456 image is 92 x 52 = 4,784 patch tokens), about three times the 1,568 px /
     * ~1,600-token limit of earlier Claude models that BilledInput applies to every "claude" model. Ten screenshots
     * reserve 16,000 input tokens ($0.09 with the 1.1x residency reserve) and bill 47,840 ($0.24): a $0.15 block
     * budget admits a call its images overspend.
     */
    @Test
    void opus47HighResolutionImages_areReservedAtTheirBound_soABudgetTheyCannotFitRefuses() {
        String image = "{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\""
                + "iVBORw0KGgo".repeat(40) + "\"}}";
        StringBuilder content = new StringBuilder("[");
        for (int i = 0; i < 10; i++) {
            content.append(image).append(',');
        }
        content.append("{\"type\":\"text\",\"text\":\"Which of these dashboards shows an error?\"}]");
        blockBudget("0.15");
        gw.upstream.enqueue(Behavior.defaults().withInputTokens(47_840).withPieceCount(5));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/messages",
                        "{\"model\":\"claude-opus-4-7\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\","
                                + "\"content\":" + content + "}]}")
                .header("anthropic-version", "2023-06-01"));

        assertThat(response.statusCode())
                .as("ten 2576 px images on claude-opus-4-7 under a $0.15 block budget: %s", describe(response, gw))
                .isEqualTo(429);
        assertThat(gw.upstream.requests()).isEmpty();
    }
}
