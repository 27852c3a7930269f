package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Final review of fix25e: a served name OpenAI legitimately reports for a model the catalog prices. */
class FinalReviewServedModelTest {
    private static final CallPricer PRICER = CallPricer.create(PricingCatalog.bundled());

    /** OpenAI answers a text-embedding-ada-002 request with "model": "text-embedding-ada-002-v2". */
    @Test
    void price_ada002AnsweredAsV2_pricedAtAda002Rates() {
        CallPricer.Priced priced = PRICER.price(new CallPricer.Call(
                "openai",
                "text-embedding-ada-002-v2", // served
                "text-embedding-ada-002", // requested
                TokenUsage.openAi(1_000_000, 0, 0, 0),
                true,
                null,
                null,
                null,
                Instant.parse("2026-12-01T12:00:00Z")));

        assertThat(priced.cost()).as(priced.reason()).isEqualByComparingTo("0.10");
    }
}
