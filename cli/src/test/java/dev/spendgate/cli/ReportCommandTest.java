package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCommandTest {
    @TempDir
    Path dir;

    BigDecimal writeMonth() throws Exception {
        PricingCatalog catalog = PricingCatalog.bundled();
        BigDecimal total = BigDecimal.ZERO;
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                50)) {
            for (int i = 0; i < 120; i++) {
                String model = i % 3 == 0 ? "gpt-4o" : "gpt-4o-mini";
                ModelPrice price = catalog.find("openai", model).orElseThrow();
                TokenUsage tokens = TokenUsage.openAi(1000 + i, i, 100 + i, 0);
                BigDecimal cost = price.cost(tokens);
                total = total.add(cost);
                Instant ts = Instant.parse("2026-11-01T00:00:00Z").plusSeconds(i * 7_000L);
                writer.append(UsageRecord.builder()
                        .requestId("r" + i)
                        .tsStart(ts)
                        .tsEnd(ts.plusSeconds(1))
                        .keyId("k")
                        .attribution(new Attribution(
                                i % 2 == 0 ? "chatbot" : "search",
                                i % 5 == 0 ? null : "support",
                                null,
                                "prod",
                                null,
                                null,
                                null))
                        .provider("openai")
                        .modelRequested(model)
                        .modelServed(model)
                        .statusCode(200)
                        .tokens(tokens)
                        .costUsd(cost)
                        .pricingStatus(UsageRecord.PricingStatus.PRICED)
                        .usageSource(UsageRecord.UsageSource.PROVIDER)
                        .build());
            }
        }
        return total;
    }

    @Test
    void report_month_writesTheThreeFilesWhoseTotalsMatchTheLog() throws Exception {
        BigDecimal total = writeMonth();
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, """
                {"suspense": {"gl_account": "6999", "cost_centre": "SUSP"},
                 "rules": [{"department": "support", "gl_account": "6100", "cost_centre": "CC-100"}]}""");
        Path out = dir.resolve("out");

        CliRun r = CliRun.of(
                "report",
                "--month",
                "2026-11",
                "--out",
                out.toString(),
                "--rules",
                rules.toString(),
                "--no-email",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(out.resolve("focus-1.1.csv")).exists();
        assertThat(out.resolve("chargeback.csv")).exists();
        assertThat(Files.readAllBytes(out.resolve("board-report.pdf"))).startsWith("%PDF".getBytes());
        assertThat(r.out())
                .contains("BilledCost total " + total.stripTrailingZeros().toPlainString() + " USD");
        List<String> chargeback = Files.readAllLines(out.resolve("chargeback.csv"));
        assertThat(chargeback).anyMatch(l -> l.contains(",6100,CC-100,direct,"));
        assertThat(chargeback).anyMatch(l -> l.contains(",6999,SUSP,suspense,unattributed"));
        assertThat(r.out()).contains("Email: not sent");
    }

    @Test
    void report_badMonth_failsNamingTheOption() {
        CliRun r = CliRun.of("report", "--month", "November", "--data-dir", dir.toString());
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("--month must look like 2026-11");
    }
}
