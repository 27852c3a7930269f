package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

/**
 * Review (session 22): README "Worst-case estimate", documents: "by URL or file id 50,000 tokens". A document the
 * SDKs send by file id gets that bound; the same document by URL (Anthropic's {@code source.type: "url"}, OpenAI
 * Responses' {@code input_file.file_url}) is counted as the few text tokens of its URL, so a budget reserves about
 * $0.00003 for a PDF that bills up to 100 pages.
 */
class DocumentByUrlWorstCaseReviewTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private long input(String pricingProvider, String model, Endpoint endpoint, String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        return estimator
                .worstCase(pricingProvider, model, endpoint, PromptText.of(endpoint, json), json)
                .inputTokens();
    }

    @Test
    void documentByFileId_isReservedAtTheReferencedBound() throws Exception {
        long anthropic = input(
                "anthropic",
                "claude-sonnet-4-5",
                Endpoint.MESSAGES,
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"document\",\"source\":{\"type\":\"file\",\"file_id\":\"file_011CNha8iCJcU1\"}},"
                        + "{\"type\":\"text\",\"text\":\"Summarise it.\"}]}]}");

        assertThat(anthropic).isGreaterThanOrEqualTo(BilledInput.REFERENCED_DOCUMENT_TOKENS);
    }

    @Test
    void documentByUrl_isReservedAtTheReferencedBound_asTheReadmeSays() throws Exception {
        long anthropic = input(
                "anthropic",
                "claude-sonnet-4-5",
                Endpoint.MESSAGES,
                "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"document\",\"source\":{\"type\":\"url\","
                        + "\"url\":\"https://example.com/annual-report-2025.pdf\"}},"
                        + "{\"type\":\"text\",\"text\":\"Summarise it.\"}]}]}");
        long responses = input(
                "openai",
                "gpt-4.1",
                Endpoint.RESPONSES,
                "{\"model\":\"gpt-4.1\",\"max_output_tokens\":100,\"input\":[{\"role\":\"user\",\"content\":["
                        + "{\"type\":\"input_file\",\"file_url\":\"https://example.com/annual-report-2025.pdf\"},"
                        + "{\"type\":\"input_text\",\"text\":\"Summarise it.\"}]}]}");

        SoftAssertions soft = new SoftAssertions();
        soft.assertThat(anthropic)
                .as("Anthropic document source.type url: input tokens reserved")
                .isGreaterThanOrEqualTo(BilledInput.REFERENCED_DOCUMENT_TOKENS);
        soft.assertThat(responses)
                .as("OpenAI Responses input_file.file_url: input tokens reserved")
                .isGreaterThanOrEqualTo(BilledInput.REFERENCED_DOCUMENT_TOKENS);
        soft.assertAll();
    }
}
