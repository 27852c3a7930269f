package dev.spendgate.domain.pricing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * A dated OpenAI snapshot whose list price differs from its family's is never priced at the family's rates: the
 * catalog's date-stripping fallback ({@code gpt-4o-2024-05-13} to {@code gpt-4o}) must not halve a bill. OpenAI still
 * lists {@code gpt-4o-2024-05-13} at $5.00 input / $15.00 output per 1M tokens; {@code gpt-4o} is $2.50 / $10.00.
 */
class DatedSnapshotPriceTest {
    private final PricingCatalog catalog = PricingCatalog.bundled();

    @Test
    void find_gpt4oMay2024Snapshot_isItsOwnPriceOrUnpricedNeverGpt4osHalfPrice() {
        Optional<String> rates = catalog.find("openai", "gpt-4o-2024-05-13")
                .map(p -> p.input().toPlainString() + " / " + p.output().toPlainString());

        assertThat(rates).isIn(Optional.empty(), Optional.of("5.00 / 15.00"));
    }

    @Test
    void price_callServedByGpt4oMay2024Snapshot_isNotBilledAtHalfItsListPrice() {
        CallPricer.Priced priced = CallPricer.create(catalog)
                .price(new CallPricer.Call(
                        "openai",
                        "gpt-4o-2024-05-13",
                        "gpt-4o-2024-05-13",
                        TokenUsage.openAi(1_000_000, 0, 1_000_000, 0),
                        true,
                        "default",
                        null,
                        null,
                        Instant.parse("2026-12-01T00:00:00Z")));

        // $5.00 + $15.00 when priced; unpriced (null) keeps the worst case in budgets; never $2.50 + $10.00
        assertThat(Optional.ofNullable(priced.cost())
                        .map(cost -> cost.stripTrailingZeros().toPlainString()))
                .isIn(Optional.empty(), Optional.of("20"));
    }
}
