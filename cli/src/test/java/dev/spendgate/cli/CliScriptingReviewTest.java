package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.budget.ScopeType;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as finance and platform users script it: figures that must agree across commands, unpriced calls never
 * passed off as exact, and errors that name what is wrong (review round 19, area a).
 */
class CliScriptingReviewTest {
    // gpt-4o standard: 1,000 input x $2.50/M + 500 output x $10/M = $0.0025 + $0.005 = $0.0075
    private static final TokenUsage CHAT = new TokenUsage(1000, 0, 0, 0, 500, 0);
    private static final String CHAT_COST = "0.0075";

    @TempDir
    Path dir;

    @Test
    void simulatePolicy_recordTheReportQuarantines_notRecordedSpendNorChargedToTheBudget() throws Exception {
        Instant t = Instant.parse("2026-10-05T09:00:00Z");
        write(
                chat("a", t).costUsd(new BigDecimal(CHAT_COST)).build(),
                // $500 for 1,500 gpt-4o tokens: above any of its rates, quarantined by usage and the monthly report
                chat("b", t.plusSeconds(60)).costUsd(new BigDecimal("500")).build(),
                chat("c", t.plusSeconds(120)).costUsd(new BigDecimal(CHAT_COST)).build());
        Path policy = dir.resolve("proposal.json");
        new FileBudgetPolicyStore(policy)
                .put(new BudgetPolicy(
                        new BudgetScope(ScopeType.FEATURE, "chat"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
        Path out = dir.resolve("replay.json");

        CliRun usage = CliRun.of(
                "usage", "--from", "2026-10-01", "--to", "2026-11-01", "--overrides", "", "--data-dir", dir.toString());
        CliRun replay = CliRun.of(
                "simulate-policy",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--policy",
                policy.toString(),
                "--degrade-chains",
                "",
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(usage.out()).containsPattern("TOTAL\\s+2\\s+.*0\\.0150\\b");
        assertThat(replay.code()).as(replay.err()).isZero();
        JsonNode total = new ObjectMapper().readTree(Files.readAllBytes(out)).get("total");
        // the same window's recorded spend as `usage` and the monthly report give: the two sound calls
        assertThat(new BigDecimal(total.get("spend_before_usd").asText()))
                .as("recorded spend in replay.json: " + total)
                .isEqualByComparingTo("0.015");
        assertThat(total.get("blocked").asLong())
                .as("a $1 budget never blocks $0.015 of sound calls: " + total)
                .isZero();
    }

    @Test
    void pricingCheck_callThatGotNoAnswer_countedUnpricedNotAsAZeroCostCall() throws Exception {
        Instant t = Instant.parse("2026-10-05T09:00:00Z");
        write(
                chat("a", t).costUsd(new BigDecimal(CHAT_COST)).build(),
                // what Relay records for a call sent whole that the provider never answered: unpriced, cost unknown
                UsageRecord.builder()
                        .requestId("b")
                        .tsStart(t.plusSeconds(60))
                        .tsEnd(t.plusSeconds(660))
                        .keyId("key_1")
                        .attribution(new Attribution("chat", "support", null, "prod", null, null, null))
                        .provider("openai")
                        .endpoint("chat.completions")
                        .modelRequested("gpt-4o")
                        .statusCode(502)
                        .errorType("upstream_timeout")
                        .pricingStatus(PricingStatus.UNPRICED)
                        .build());
        Path discount = dir.resolve("discount.json");
        Files.writeString(
                discount, "{\"discounts\": [{\"provider\": \"openai\", \"model\": \"gpt-4o\", \"percent\": 10}]}");

        CliRun r = CliRun.of(
                "pricing",
                "check",
                discount.toString(),
                "--month",
                "2026-10",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        // 0.0075 now, 0.00675 with 10 % off; the timed-out call's cost is unknown, with either file
        assertThat(r.out()).containsPattern("TOTAL\\s+0\\.0075\\s+0\\.00675\\s+-0\\.00075");
        assertThat(r.out()).contains("Unpriced calls (not in the totals): 1 now, 1 with the checked file.");
    }

    @Test
    void usage_malformedOverridesFile_errorNamesOverridesNotGroupBy() throws Exception {
        Path overrides = dir.resolve("overrides.json");
        Files.writeString(overrides, "{\"discounts\": [{\"provider\": \"openai\"}]}");

        CliRun r = CliRun.of(
                "usage",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--overrides",
                overrides.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).isNotZero();
        String firstLine = r.err().lines().findFirst().orElse("");
        assertThat(firstLine)
                .as(r.err())
                .contains("--overrides")
                .contains("percent")
                .doesNotContain("--group-by");
    }

    @Test
    void pricingCheck_discountPercentNotANumber_errorNamesTheField() throws Exception {
        Path file = dir.resolve("overrides.json");
        Files.writeString(file, "{\"discounts\": [{\"provider\": \"openai\", \"percent\": \"ten\"}]}");

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

        assertThat(r.code()).isEqualTo(2);
        assertThat(r.err()).as(r.err()).contains("percent").contains("ten");
    }

    @Test
    void pricingCheck_overrideModelWithoutInputRate_errorSaysTheFieldIsMissing() throws Exception {
        Path file = dir.resolve("overrides.json");
        Files.writeString(
                file,
                "{\"models\": [{\"provider\": \"openai\", \"model\": \"acme-llm\", \"output\": \"4\","
                        + " \"source_url\": \"https://acme.example/prices\", \"effective_date\": \"2026-01-01\"}]}");

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

        // as every other malformed entry: a usage error (2) naming the file's missing field
        assertThat(r.code()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).as(r.err()).contains("missing 'input'");
    }

    @Test
    void pricingCheck_overrideFileWithMisspeltSection_refusedNamingIt() throws Exception {
        Path file = dir.resolve("overrides.json");
        // "discount" for "discounts": the contracted 10 % would silently not apply
        Files.writeString(file, "{\"discount\": [{\"provider\": \"openai\", \"percent\": 10}]}");

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

        assertThat(r.code()).as(r.out()).isNotZero();
        assertThat(r.err()).contains("discount");
    }

    @Test
    void keysCreate_nameWithALineBreak_refusedAndNothingStored() throws Exception {
        CliRun r = CliRun.of(
                "keys", "create", "--name", "chatbot\nprod", "--environment", "prod", "--data-dir", dir.toString());

        assertThat(r.code()).as(r.out()).isNotZero();
        assertThat(r.err()).contains("name");
        assertThat(r.out()).doesNotContainPattern("sg-[0-9a-f]{64}");
        assertThat(new FileKeyStore(dir.resolve("keys.json")).list()).isEmpty();
    }

    @Test
    void pricingShow_modelWithAWebSearchFee_showsIt() {
        // the catalog bills gpt-4o's server-side web searches at $10 per 1,000 (README "Pricing", web_search_per_1k)
        CliRun r = CliRun.of("pricing", "show", "gpt-4o", "--provider", "openai", "--overrides", "");

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).as(r.out()).containsPattern("(?i)web.?search[^\\n]*10\\.00");
    }

    @Test
    void pricingCheck_newOverrideFileWhileAnotherIsInUse_pricesTheNewFileAloneAsTheGatewayWould() throws Exception {
        write(UsageRecord.builder()
                .requestId("a")
                .tsStart(Instant.parse("2026-10-05T10:00:00Z"))
                .tsEnd(Instant.parse("2026-10-05T10:00:01Z"))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                // 1,000,000 x $2.50/M + 100,000 x $10/M = $3.50 at list
                .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new BigDecimal("3.15"))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .build());
        Path inUse = dir.resolve("contract-2026.json");
        Files.writeString(inUse, "{\"discounts\": [{\"provider\": \"openai\", \"percent\": 10}]}");
        Path next = dir.resolve("contract-2027.json");
        Files.writeString(next, "{\"discounts\": [{\"provider\": \"openai\", \"percent\": 15}]}");

        CliRun r = CliRun.of(
                "pricing",
                "check",
                next.toString(),
                "--month",
                "2026-10",
                "--overrides",
                inUse.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        // the gateway run with SPENDGATE_PRICING_OVERRIDES=contract-2027.json charges 3.50 x 0.85 = 2.975, not
        // 3.50 x 0.90 x 0.85 = 2.6775: one override file at a time, on top of the bundled catalog
        assertThat(r.out()).containsPattern("TOTAL\\s+3\\.15\\s+2\\.975\\s+-0\\.175");
    }

    @Test
    void usage_callOfAModelMissingFromTheCatalog_countedUnpricedNotACrash() throws Exception {
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        write(
                chat("a", t).costUsd(new BigDecimal(CHAT_COST)).build(),
                // what the gateway records for a 200 answer from a model it has no price for: unpriced, no error
                UsageRecord.builder()
                        .requestId("b")
                        .tsStart(t.plusSeconds(60))
                        .tsEnd(t.plusSeconds(61))
                        .keyId("key_1")
                        .attribution(new Attribution("chat", "support", null, "prod", null, null, null))
                        .provider("openai")
                        .endpoint("chat.completions")
                        .modelRequested("acme-llm-9")
                        .modelServed("acme-llm-9")
                        .statusCode(200)
                        .tokens(CHAT)
                        .pricingStatus(PricingStatus.UNPRICED)
                        .usageSource(UsageSource.PROVIDER)
                        .build());

        CliRun r = CliRun.of(
                "usage",
                "--from",
                "2026-11-01",
                "--to",
                "2026-12-01",
                "--group-by",
                "model,pricing_status",
                "--overrides",
                "",
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).containsPattern("acme-llm-9\\s+unpriced\\s+1\\s+1000\\s+500\\s+1\\s+0\\b");
        assertThat(r.out()).containsPattern("TOTAL\\s+2\\s+2000\\s+1000\\s+1\\s+0\\.0075\\b");
        assertThat(r.out()).contains("1 calls used models missing from the pricing catalog");
    }

    @Test
    void pricingCheck_catalogDroppingAModel_doesNotCountItsCallsAsASaving() throws Exception {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode catalog;
        try (java.io.InputStream in = getClass().getResourceAsStream("/dev/spendgate/domain/pricing/catalog.json")) {
            catalog = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(in);
        }
        catalog.put("catalog_version", "2027-01-15");
        com.fasterxml.jackson.databind.node.ArrayNode models =
                (com.fasterxml.jackson.databind.node.ArrayNode) catalog.get("models");
        for (int i = models.size() - 1; i >= 0; i--) {
            if (models.get(i).get("model").asText().equals("o1-mini")) {
                models.remove(i);
            }
        }
        Path file = dir.resolve("catalog-2027-01-15.json");
        json.writeValue(file.toFile(), catalog);
        // one o1-mini call: 1,000,000 x $1.10/M + 100,000 x $4.40/M = $1.54; nothing else in the month
        write(UsageRecord.builder()
                .requestId("a")
                .tsStart(Instant.parse("2026-10-05T10:00:00Z"))
                .tsEnd(Instant.parse("2026-10-05T10:00:09Z"))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("o1-mini")
                .modelServed("o1-mini")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new BigDecimal("1.54"))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .build());

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
        assertThat(r.out()).contains("openai/o1-mini  removed from the catalog");
        // its call would become unpriced (cost unknown), which the output says is "not in the totals": the
        // new catalog makes nothing cheaper, so no negative difference may appear
        assertThat(r.out()).contains("Unpriced calls (not in the totals): 0 now, 1 with the checked file.");
        assertThat(r.out()).as(r.out()).doesNotContainPattern("TOTAL\\s+\\S+\\s+\\S+\\s+-");
    }

    @Test
    void simulatePolicy_contractedPrices_degradedCallCostsTheContractedPrice() throws Exception {
        Path overrides = dir.resolve("contract.json");
        Files.writeString(overrides, "{\"discounts\": [{\"provider\": \"openai\", \"percent\": 50}]}");
        // recorded by a gateway run with the contract: gpt-4o at half of $0.0075
        write(chat("a", Instant.parse("2026-10-05T09:00:00Z"))
                .costUsd(new BigDecimal("0.00375"))
                .build());
        Path policy = dir.resolve("proposal.json");
        new FileBudgetPolicyStore(policy)
                .put(new BudgetPolicy(
                        new BudgetScope(ScopeType.FEATURE, "chat"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("0.001"),
                        BudgetPolicy.Mode.DEGRADE,
                        null,
                        null,
                        null));
        Path out = dir.resolve("replay.json");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SpendgateCli.class.getName(),
                        "simulate-policy",
                        "--from",
                        "2026-10-01",
                        "--to",
                        "2026-11-01",
                        "--policy",
                        policy.toString(),
                        "--degrade-chains",
                        "gpt-4o>gpt-4o-mini",
                        "--out",
                        out.toString(),
                        "--data-dir",
                        dir.toString())
                .redirectErrorStream(true);
        pb.environment().put("SPENDGATE_PRICING_OVERRIDES", overrides.toString());
        Process p = pb.start();
        String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(p.waitFor()).as(printed).isZero();
        JsonNode total = new ObjectMapper().readTree(Files.readAllBytes(out)).get("total");
        assertThat(total.get("degraded").asLong()).as(printed).isEqualTo(1);
        // on gpt-4o-mini at the contract's half price: (1,000 x $0.15/M + 500 x $0.60/M) / 2 = $0.000225,
        // what the gateway with SPENDGATE_PRICING_OVERRIDES would have charged (list: $0.00045)
        assertThat(new BigDecimal(total.get("spend_after_usd").asText()))
                .as(total.toString())
                .isEqualByComparingTo("0.000225");
    }

    @Test
    void pricingCheck_newerCatalogWhileAnOverrideFileIsInUse_keepsTheContractOnTheNewPrices() throws Exception {
        ObjectMapper json = new ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode catalog;
        try (java.io.InputStream in = getClass().getResourceAsStream("/dev/spendgate/domain/pricing/catalog.json")) {
            catalog = (com.fasterxml.jackson.databind.node.ObjectNode) json.readTree(in);
        }
        catalog.put("catalog_version", "2027-01-15");
        for (JsonNode m : catalog.get("models")) {
            if (m.get("model").asText().equals("gpt-4o")) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) m).put("input", "2.00"); // 2.50 -> 2.00
            }
        }
        Path newer = dir.resolve("catalog-2027-01-15.json");
        json.writeValue(newer.toFile(), catalog);
        Path contract = dir.resolve("contract.json");
        Files.writeString(contract, "{\"discounts\": [{\"provider\": \"openai\", \"percent\": 10}]}");
        write(UsageRecord.builder()
                .requestId("a")
                .tsStart(Instant.parse("2026-10-05T10:00:00Z"))
                .tsEnd(Instant.parse("2026-10-05T10:00:01Z"))
                .keyId("key_1")
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1_000_000, 0, 100_000, 0))
                .costUsd(new BigDecimal("3.15"))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER)
                .build());

        CliRun r = CliRun.of(
                "pricing",
                "check",
                newer.toString(),
                "--month",
                "2026-10",
                "--overrides",
                contract.toString(),
                "--data-dir",
                dir.toString());

        assertThat(r.code()).as(r.err()).isZero();
        // the gateway on the newer catalog still applies the contract: now (2.50 + 1.00) x 0.9 = 3.15, then
        // (2.00 + 1.00) x 0.9 = 2.70; only gpt-4o's input rate changed (2.25 -> 1.80 after the discount)
        assertThat(r.out()).as(r.out()).containsPattern("TOTAL\\s+3\\.15\\s+2\\.7\\s+-0\\.45");
        assertThat(r.out()).contains("Changed: 1");
    }

    private void write(UsageRecord... records) throws Exception {
        try (UsageLogWriter writer = UsageLogWriter.create(
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                Clock.systemUTC(),
                100)) {
            for (UsageRecord r : records) {
                writer.append(r);
            }
        }
    }

    private static UsageRecord.Builder chat(String id, Instant t) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusMillis(400))
                .keyId("key_1")
                .attribution(new Attribution("chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(CHAT)
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.PROVIDER);
    }
}
