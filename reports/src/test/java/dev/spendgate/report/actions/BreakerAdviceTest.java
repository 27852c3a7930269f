package dev.spendgate.report.actions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.usage.UsageRecord;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class BreakerAdviceTest {
    private int ids;

    /**
     * Two keys' clients each name a session {@code main} and each make 10 calls in one minute: the session breaker
     * counts each key's session apart (the gateway's counter is per key and session), so the advice sees two sessions
     * peaking at 10, not one at 20.
     */
    @Test
    void advice_twoKeysWithASessionOfTheSameName_countsEachKeysSessionApart() {
        BreakerAdvice advice = new BreakerAdvice();
        Instant minute = Instant.parse("2026-11-03T10:00:00Z");
        for (String key : new String[] {"key_a", "key_b"}) {
            for (int i = 0; i < 10; i++) {
                advice.accept(call(key, "main", minute.plusSeconds(i)));
            }
        }

        assertThat(advice.advice())
                .filteredOn(a -> a.scope().equals("session"))
                .singleElement()
                .satisfies(a -> {
                    assertThat(a.scopes()).isEqualTo(2);
                    assertThat(a.maxPeakPerMinute()).isEqualTo(10);
                    assertThat(a.value()).isEqualTo(15);
                });
    }

    private UsageRecord call(String keyId, String session, Instant t) {
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(500))
                .keyId(keyId)
                .attribution(new Attribution("chat", "support", null, "prod", session, null, null))
                .provider("openai")
                .modelServed("gpt-4o-mini")
                .statusCode(200)
                .build();
    }
}
