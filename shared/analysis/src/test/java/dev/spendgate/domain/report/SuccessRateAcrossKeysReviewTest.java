package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Review (session 21): the monthly report's success rate for an outcome when one feature is served by two Spendgate
 * keys whose clients number their sessions alike (s-1, s-2, ...). README (Finance reports): "An outcome counts only
 * the calls of the Spendgate key that posted it: session ids are the clients' own, so another key's s-1 is another
 * session"; the success rate is "distinct sessions that produced the outcome / distinct sessions of those features".
 */
class SuccessRateAcrossKeysReviewTest {
    static final YearMonth NOV = YearMonth.of(2026, 11);
    static final PricingCatalog CATALOG = PricingCatalog.of(
            "test-1",
            List.of(new ModelPrice(
                    "openai",
                    "m-big",
                    null,
                    "premium",
                    "big",
                    new BigDecimal("10"),
                    null,
                    null,
                    null,
                    new BigDecimal("30"),
                    null,
                    null)));
    static final Instant AS_OF = Instant.parse("2026-11-20T12:00:00Z");

    /**
     * support-chat runs in two regions, each with its own key (eu, us), each with four chat sessions s-1..s-4: eight
     * sessions. One ticket is resolved in eu's s-1 and one in us's s-1: two of the eight sessions succeeded, 25.0 %.
     * The numerator counts (key, session) pairs (2) but the denominator counts session ids across keys (4): 50.0 %,
     * twice the real rate, shown on the board PDF beside cost per outcome.
     */
    @Test
    void successRate_twoKeysWithTheSameSessionIds_countsEachKeysSessions() {
        List<Outcome> outcomes = List.of(
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), "s-1", null, "ticket_resolved", 1, "key-eu"),
                new Outcome(Instant.parse("2026-11-05T10:00:00Z"), "s-1", null, "ticket_resolved", 1, "key-us"));
        MonthlyUsage usage =
                MonthlyUsage.tracking(NOV, MonthlyFigures.sessionsOf(outcomes), MonthlyFigures.requestsOf(outcomes));
        int n = 0;
        for (String key : List.of("key-eu", "key-us")) {
            for (int s = 1; s <= 4; s++) {
                usage.add(call("r" + n++, key, "s-" + s, s));
            }
        }

        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(), null, outcomes, CATALOG, AS_OF);

        assertThat(f.outcomes()).singleElement().satisfies(o -> {
            assertThat(o.count()).isEqualTo(2);
            assertThat(o.sessions())
                    .as("support-chat's sessions, each key's its own")
                    .isEqualTo(8);
            assertThat(o.successRatePercent()).isEqualByComparingTo("25.0");
        });
    }

    private static UsageRecord call(String requestId, String keyId, String session, int day) {
        TokenUsage tokens = TokenUsage.openAi(1000, 0, 100, 0);
        Instant ts = NOV.atDay(day).atTime(9, 0).toInstant(ZoneOffset.UTC);
        return UsageRecord.builder()
                .requestId(requestId)
                .tsStart(ts)
                .tsEnd(ts.plusSeconds(1))
                .keyId(keyId)
                .attribution(new Attribution("support-chat", "support", null, "prod", session, null, null))
                .provider("openai")
                .modelServed("m-big")
                .statusCode(200)
                .tokens(tokens)
                .costUsd(CATALOG.find("openai", "m-big").orElseThrow().cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }
}
