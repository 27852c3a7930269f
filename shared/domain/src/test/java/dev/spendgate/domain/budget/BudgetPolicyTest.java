package dev.spendgate.domain.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class BudgetPolicyTest {
    private static final Attribution CALL =
            new Attribution("chatbot", "engineering", "search", "prod", "s-1", "u-1", "run-7");

    @Test
    void scope_parse_acceptsEveryTypeAndEachValue() {
        assertThat(BudgetScope.parse("feature:chatbot")).isEqualTo(new BudgetScope(ScopeType.FEATURE, "chatbot"));
        assertThat(BudgetScope.parse("run:*").value()).isEqualTo("*");
        assertThat(BudgetScope.parse("global").toString()).isEqualTo("global");
        assertThat(BudgetScope.parse("key:key_1a2b").type()).isEqualTo(ScopeType.KEY);
        assertThatThrownBy(() -> BudgetScope.parse("colour:red")).hasMessageContaining("unknown scope type");
        assertThatThrownBy(() -> BudgetScope.parse("feature")).hasMessageContaining("needs a value");
    }

    @Test
    void scope_matchValue_appliesOnlyToCallsOfThatScope() {
        assertThat(BudgetScope.parse("feature:chatbot").matchValue(CALL, "key_1"))
                .isEqualTo("chatbot");
        assertThat(BudgetScope.parse("feature:search").matchValue(CALL, "key_1"))
                .isNull();
        // each key's run is its own: run ids are the clients' own (R21A-2)
        assertThat(BudgetScope.parse("run:*").matchValue(CALL, "key_1")).isEqualTo("key_1/run-7");
        assertThat(BudgetScope.parse("run:run-7").matchValue(CALL, "key_1")).isEqualTo("run-7");
        assertThat(BudgetScope.parse("run:*").matchValue(Attribution.NONE, "key_1"))
                .isNull();
        assertThat(BudgetScope.parse("key:key_1").matchValue(Attribution.NONE, "key_1"))
                .isEqualTo("key_1");
        assertThat(BudgetScope.parse("global").matchValue(Attribution.NONE, "key_9"))
                .isEqualTo("*");
    }

    @Test
    void period_keysAndEnds_followTheCalendarInThePolicysZone() {
        Instant t = Instant.parse("2026-11-30T23:30:00Z");
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        assertThat(BudgetPeriod.MONTHLY.key(t, ZoneId.of("UTC"))).isEqualTo("2026-11");
        assertThat(BudgetPeriod.MONTHLY.key(t, berlin)).isEqualTo("2026-12");
        assertThat(BudgetPeriod.MONTHLY.key(Instant.parse("0987-03-05T00:00:00Z"), ZoneId.of("UTC")))
                .isEqualTo("0987-03");
        assertThat(BudgetPeriod.DAILY.key(t, berlin)).isEqualTo("2026-12-01");
        assertThat(BudgetPeriod.MONTHLY.end(t, ZoneId.of("UTC"))).isEqualTo(Instant.parse("2026-12-01T00:00:00Z"));
        assertThat(BudgetPeriod.DAILY.end(t, berlin)).isEqualTo(Instant.parse("2026-12-01T23:00:00Z"));
        assertThat(BudgetPeriod.LIFETIME.end(t, berlin)).isNull();
        assertThat(BudgetPeriod.LIFETIME.key(t, berlin)).isEqualTo("lifetime");
    }

    @Test
    void policy_defaults_blockFailsClosedOthersFailOpenAndAlertAt50_80_100() {
        BudgetPolicy block = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("500"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                null);
        BudgetPolicy alert = new BudgetPolicy(
                BudgetScope.parse("department:engineering"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("5000"),
                BudgetPolicy.Mode.ALERT,
                null,
                null,
                null);
        assertThat(block.onStoreError()).isEqualTo(BudgetPolicy.OnStoreError.FAIL_CLOSED);
        assertThat(alert.onStoreError()).isEqualTo(BudgetPolicy.OnStoreError.FAIL_OPEN);
        assertThat(block.alertAt()).containsExactly(50, 80, 100);
        assertThat(block.id()).isEqualTo("feature:chatbot/monthly");
        assertThat(block.itemKey("chatbot", Instant.parse("2026-11-28T10:00:00Z")))
                .isEqualTo("budget#feature:chatbot#monthly#2026-11");
    }

    @Test
    void policy_negativeLimitOrBadThreshold_isRejected() {
        assertThatThrownBy(() -> new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        new BigDecimal("-1"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null))
                .hasMessageContaining("negative");
        assertThatThrownBy(() -> new BudgetPolicy(
                        BudgetScope.parse("global"),
                        BudgetPeriod.DAILY,
                        BigDecimal.ONE,
                        BudgetPolicy.Mode.BLOCK,
                        java.util.List.of(0),
                        null,
                        null))
                .hasMessageContaining("percentages");
    }
}
