package dev.spendgate.function.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.usage.PromptText;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/**
 * Review (final): fix22d counts any string under a document block that starts with "http", "s3://" or "gs://" as a
 * document sent by reference (300,000 tokens). A base64 PDF sent inline with citations and its source URL as
 * {@code title} (Anthropic's citations guide shows titles and context beside the source) is then reserved at 360,023
 * input tokens rather than 60,023: past the 200K long-context threshold, $2.18 rather than $0.195 on Sonnet 4.5.
 */
class ReviewFinalDocumentTitleTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final CostEstimator estimator = new CostEstimator(PricingCatalog.bundled(), 4096);

    private static String body(String title) {
        String pdf = Base64.getEncoder()
                .encodeToString(
                        "%PDF-1.4 1 0 obj << /Type /Page >> endobj".repeat(20).getBytes(StandardCharsets.US_ASCII));
        return "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1000,\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"document\",\"source\":{\"type\":\"base64\",\"media_type\":\"application/pdf\",\"data\":\""
                + pdf + "\"},\"title\":\"" + title + "\",\"citations\":{\"enabled\":true}},"
                + "{\"type\":\"text\",\"text\":\"Summarise.\"}]}]}";
    }

    private BigDecimal estimate(String title) throws Exception {
        JsonNode b = JSON.readTree(body(title));
        return estimator
                .estimate("anthropic", "claude-sonnet-4-5", Endpoint.MESSAGES, PromptText.of(Endpoint.MESSAGES, b), b)
                .orElseThrow();
    }

    @Test
    void inlinePdfWhoseTitleIsItsUrl_isReservedAsTheInlinePdf_notAsASecondDocumentByUrl() throws Exception {
        BigDecimal plainTitle = estimate("Q3 report");
        BigDecimal urlTitle = estimate("https://example.com/q3.pdf");
        assertThat(urlTitle).isLessThan(plainTitle.multiply(new BigDecimal("1.1")));
    }
}
