package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

class PricingCommandTest {
    @TempDir
    Path dir;

    @Test
    void show_openAiModel_listsEveryTierWithSourceAndDate() {
        CliRun r = CliRun.of("pricing", "show", "gpt-5-mini-2025-08-07", "--overrides", "");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("openai/gpt-5-mini")
                .contains("effective 2025-08-07")
                .contains("https://platform.openai.com/docs/pricing")
                .containsPattern("standard\\s+0\\.25\\s+0\\.025\\s+-\\s+-\\s+2\\.00")
                .containsPattern("flex\\s+0\\.125\\s+0\\.0125\\s+-\\s+-\\s+1\\.00")
                .containsPattern("priority\\s+0\\.45\\s+0\\.045\\s+-\\s+-\\s+3\\.60")
                .containsPattern("batch\\s+0\\.125\\s+0\\.0125\\s+-\\s+-\\s+1\\.00");
    }

    @Test
    void show_anthropicModelWithLongContext_explainsTheWholeRequestRule() {
        CliRun r = CliRun.of("pricing", "show", "claude-sonnet-4-5", "--provider", "anthropic", "--overrides", "");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .containsPattern("standard > 200000 input\\s+6\\.00\\s+0\\.60\\s+7\\.50\\s+12\\.00\\s+22\\.50")
                .contains("the whole request is billed at the long-context rates");
    }

    @Test
    void show_modelWithAnEarlierRateCard_namesIt() {
        CliRun r = CliRun.of("pricing", "show", "o3", "--overrides", "");

        assertThat(r.out()).contains("Earlier rate cards, used for calls before 2025-06-10: 2025-04-16 (input 10.00");
    }

    @Test
    void show_unknownModel_failsSayingItIsUnpricedNotFree() {
        CliRun r = CliRun.of("pricing", "show", "gpt-9-ultra", "--overrides", "");

        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err())
                .contains("'gpt-9-ultra' is not in the pricing catalog")
                .contains("unpriced");
    }

    @Test
    void check_newerCatalog_listsChangedAddedRetiredAndLastMonthsEffect() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode catalog;
        try (InputStream in = getClass().getResourceAsStream("/dev/spendgate/domain/pricing/catalog.json")) {
            catalog = (ObjectNode) json.readTree(in);
        }
        catalog.put("catalog_version", "2027-01-15");
        ArrayNode models = (ArrayNode) catalog.get("models");
        for (int i = models.size() - 1; i >= 0; i--) {
            ObjectNode m = (ObjectNode) models.get(i);
            if (m.get("model").asText().equals("gpt-4o")) {
                m.put("input", "2.00"); // 2.50 -> 2.00
            } else if (m.get("model").asText().equals("o1-mini")) {
                models.remove(i);
            }
        }
        ObjectNode added = models.addObject();
        added.put("provider", "openai").put("model", "gpt-6").put("input", "3").put("output", "20");
        added.put("source_url", "https://platform.openai.com/docs/pricing").put("effective_date", "2027-01-10");
        Path file = dir.resolve("catalog-2027-01-15.json");
        json.writeValue(file.toFile(), catalog);
        // Two gpt-4o calls of 1,000,000 prompt tokens and 100,000 completion tokens in October 2026:
        // now 2.50 x 1 + 10 x 0.1 = 3.50 each; with the file 2.00 + 1.00 = 3.00 each.
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(record("a", Instant.parse("2026-10-05T10:00:00Z"), "gpt-4o", "3.5"));
            writer.append(record("b", Instant.parse("2026-10-06T10:00:00Z"), "gpt-4o", "3.5"));
        }

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

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out())
                .contains("checked: 2027-01-15")
                .contains("Changed: 1")
                .contains("openai/gpt-4o (effective 2024-10-01): input: 2.50 -> 2.00")
                .contains("Added: 1")
                .contains("openai/gpt-6  input 3  output 20")
                .contains("Retired: 1")
                .contains("openai/o1-mini  removed from the catalog")
                .contains("2 billable calls")
                .containsPattern("openai/gpt-4o\\s+7\\s+6\\s+-1")
                .containsPattern("TOTAL\\s+7\\s+6\\s+-1");
    }

    @Test
    void check_overrideFileWithDiscount_showsTheSavingOfEachModel() throws Exception {
        Path file = dir.resolve("overrides.json");
        Files.writeString(file, """
                {"discounts": [{"provider": "openai", "model": "gpt-4o", "percent": 10}]}
                """);
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            writer.append(record("a", Instant.parse("2026-10-05T10:00:00Z"), "gpt-4o", "3.5"));
        }

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

        assertThat(r.code()).as(r.err()).isZero();
        // 3.50 x 0.90 = 3.15
        assertThat(r.out()).containsPattern("TOTAL\\s+3\\.5\\s+3\\.15\\s+-0\\.35");
    }

    @Test
    void check_missingFile_namesIt() {
        CliRun r = CliRun.of("pricing", "check", dir.resolve("nope.json").toString(), "--overrides", "");

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).contains("nope.json");
    }

    private static UsageRecord record(String id, Instant t, String model, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(300))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .serviceTierServed("default")
                .build();
    }
}
