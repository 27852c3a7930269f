package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reviewer's suspicions of round 19 (area a), each shown by a script's-eye view before its fix. */
class CliScriptingSuspicionsTest {
    @TempDir
    Path dir;

    @Test
    void usage_dataDirThatDoesNotExist_usageErrorNamingIt() {
        // a typo in a finance script must not read as "$0 spent"
        CliRun r = CliRun.of(
                "usage",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--data-dir",
                dir.resolve("spendgat").toString());

        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).contains("--data-dir").contains("spendgat");
        assertThat(r.out()).doesNotContain("TOTAL");
    }

    @Test
    void usage_dataDirIsARegularFile_usageError() throws Exception {
        Path file = Files.writeString(dir.resolve("usage.csv"), "not a data directory");

        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", file.toString());

        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).contains("--data-dir");
    }

    @Test
    void usage_emptyDataDir_spentNothing() {
        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("TOTAL\\s+0\\s+0\\s+0\\s+0\\s+0\\b");
    }

    @Test
    void usage_costOfEstimatedTokens_notedAsAnEstimate() throws Exception {
        Instant t = Instant.parse("2026-10-05T09:00:00Z");
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(chat("a", t, UsageSource.PROVIDER));
            // the provider reported no usage: the gateway counted the tokens itself
            writer.append(chat("b", t.plusSeconds(60), UsageSource.ESTIMATED));
        }

        CliRun r = CliRun.of("usage", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("TOTAL\\s+2\\s+.*0\\.0150\\b");
        assertThat(r.out()).as(r.out()).containsPattern("1 calls .*\\$0\\.0075.*usage_source estimated");
    }

    @Test
    void pricingCheck_newerCatalogEntryWithoutEffectiveDate_refusedNamingTheField() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode catalog;
        try (InputStream in = getClass().getResourceAsStream("/dev/spendgate/domain/pricing/catalog.json")) {
            catalog = (ObjectNode) json.readTree(in);
        }
        catalog.put("catalog_version", "2027-01-15");
        ObjectNode added = ((ArrayNode) catalog.get("models")).addObject();
        added.put("provider", "openai").put("model", "gpt-9").put("input", "1").put("output", "2");
        added.put("source_url", "https://openai.com/api/pricing/");
        Path file = dir.resolve("catalog-2027-01-15.json");
        json.writeValue(file.toFile(), catalog);

        CliRun r = CliRun.of(
                "pricing",
                "check",
                file.toString(),
                "--month",
                "2026-10",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        // a price with no date cannot be placed among the rate cards ("effective null")
        assertThat(r.code()).as(r.out()).isEqualTo(2);
        assertThat(r.err()).contains("effective_date").contains("gpt-9");
    }

    private static UsageRecord chat(String id, Instant t, UsageSource source) {
        // gpt-4o: 1,000 x $2.50/M + 500 x $10/M = $0.0075
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(400))
                .keyId("key_1")
                .attribution(new Attribution("chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(new TokenUsage(1000, 0, 0, 0, 500, 0))
                .costUsd(new BigDecimal("0.0075"))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(source)
                .build();
    }
}
