package dev.spendgate.report.actions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * The board report's velocity-breaker advice must count calls as the breaker does.
 *
 * <p>README ("Velocity breakers get one value per scope ... every session's (key's) peak calls in one clock minute
 * (a session of each key its own, as the breaker counts it)") and the free endpoints' row ("the call reserves no budget
 * and is not counted by the velocity breakers"). Claude Code calls {@code /v1/messages/count_tokens} beside its
 * messages: those records are in the usage log, so the advice counts them while the breaker it advises does not, and
 * tells operators a value (and a count of sessions it would have stopped) that the breaker never sees.
 */
class BreakerAdviceFreeEndpointRegressionTest {
    private int ids;

    /**
     * A session makes 10 billed Messages calls and 10 free token counts in one minute: the session breaker counts 10,
     * so the advice should see a peak of 10 (value 15), not 20 (value 30).
     */
    @Test
    void advice_sessionWithFreeTokenCounts_countsOnlyTheCallsTheBreakerCounts() {
        BreakerAdvice advice = new BreakerAdvice();
        Instant minute = Instant.parse("2026-11-03T10:00:00Z");
        for (int i = 0; i < 10; i++) {
            advice.accept(call(
                    "messages", UsageRecord.PricingStatus.PRICED, new BigDecimal("0.01"), minute.plusSeconds(2L * i)));
            advice.accept(call(
                    "messages.count_tokens",
                    UsageRecord.PricingStatus.NOT_BILLABLE,
                    null,
                    minute.plusSeconds(2L * i + 1)));
        }

        assertThat(advice.advice())
                .filteredOn(a -> a.scope().equals("session"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.maxPeakPerMinute())
                            .as("the session's peak calls in a minute, as the session breaker counts them")
                            .isEqualTo(10);
                    assertThat(a.value()).isEqualTo(15);
                });
    }

    private UsageRecord call(String endpoint, UsageRecord.PricingStatus status, BigDecimal cost, Instant t) {
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(500))
                .keyId("key_a")
                .attribution(new Attribution("coding-agent", "eng", null, "prod", "s-1", null, null))
                .provider("anthropic")
                .endpoint(endpoint)
                .modelServed("claude-sonnet-4-5")
                .statusCode(200)
                .pricingStatus(status)
                .costUsd(cost)
                .build();
    }
}
