package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Calls a blocking budget refused (429 budget_exceeded, nothing billed) are counted in CALLS; {@code usage} says how
 * many, as the monthly report's data quality counts them apart ("rejected calls"), so 3 calls at $0.005 do not read as
 * three billed calls.
 */
class UsageRefusedCallsTest {
    @TempDir
    Path dir;

    @Test
    void usage_callsABudgetRefused_areNamedBesideTheCalls() throws Exception {
        Instant t = Instant.parse("2026-10-05T10:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(base("a", t)
                    .statusCode(200)
                    .modelServed("gpt-4o-2024-08-06")
                    .tokens(TokenUsage.openAi(1200, 0, 200, 0))
                    .costUsd(new BigDecimal("0.005"))
                    .pricingStatus(PricingStatus.PRICED)
                    .usageSource(UsageSource.PROVIDER)
                    .build());
            for (String id : new String[] {"b", "c"}) {
                writer.append(base(id, t.plusSeconds(60))
                        .statusCode(429)
                        .errorType("budget_exceeded")
                        .tokens(TokenUsage.ZERO)
                        .pricingStatus(PricingStatus.NOT_BILLABLE)
                        .usageSource(UsageSource.PROVIDER)
                        .build());
            }
        }

        CliRun r = CliRun.of(
                "usage",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--group-by",
                "feature",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).isZero();
        assertThat(r.out()).containsPattern("chatbot\\s+3\\s+").doesNotContain("Left out");
        assertThat(r.out())
                .contains("Note: 2 calls were refused by the gateway or provider")
                .contains("counted in CALLS, nothing billed");
    }

    private static UsageRecord.Builder base(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "eng", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o");
    }
}
