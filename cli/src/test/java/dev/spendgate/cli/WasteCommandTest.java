package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.embedded.FileKeyStore;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WasteCommandTest {
    @TempDir
    Path dir;

    @Test
    void simulateThenWaste_simulatedMonth_printsRankedAdviceAndWritesFindingsJsonOfEveryCategory() throws Exception {
        CliRun simulate = CliRun.of(
                "simulate", "--month", "2026-10", "--seed", "7", "--calls", "5000", "--data-dir", dir.toString());
        assertThat(simulate.code()).as(simulate.err()).isZero();
        assertThat(simulate.out()).contains("Simulated 2026-10 (seed 7)").contains("model_mismatch");
        assertThat(dir.resolve("simulate/2026-10/ground-truth.json")).exists();
        assertThat(new FileKeyStore(dir.resolve("keys.json")).list()).hasSize(10);

        Path out = dir.resolve("findings.json");
        CliRun waste = CliRun.of(
                "waste",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString());

        assertThat(waste.code()).as(waste.err()).isZero();
        assertThat(waste.out())
                .contains("Recoverable: $")
                .contains("AI Efficiency Score")
                .contains(" 1. $")
                .contains("ticket-triage (gpt-4o)")
                .contains("gpt-4o-mini")
                .contains("OVERALL");
        JsonNode json = new ObjectMapper().readTree(Files.readAllBytes(out));
        Set<String> categories = new HashSet<>();
        for (JsonNode f : json.get("findings")) {
            categories.add(f.get("category").asText());
            assertThat(f.at("/evidence/example_request_ids").size()).isBetween(1, 10);
            assertThat(f.get("savings_formula").asText()).isNotBlank();
            assertThat(f.get("recommendation").asText()).isNotBlank();
        }
        assertThat(categories)
                .containsExactlyInAnyOrder(
                        "model_mismatch",
                        "context_bloat",
                        "retry_waste",
                        "cache_miss",
                        "ungoverned_key",
                        "prompt_cache",
                        "batch_tier");
        // the simulator wrote chargeback-rules.json into the data dir: every finding of a department names its cost
        // centre, and an Opus-to-Haiku move carries its quality risk and a safe rollout
        for (JsonNode f : json.get("findings")) {
            if ("invoice-extract".equals(f.at("/scope/feature").asText())) {
                assertThat(f.at("/owner/department").asText()).isEqualTo("finance");
                assertThat(f.at("/owner/cost_centre").asText()).isEqualTo("CC-400");
            }
            if (f.get("category").asText().equals("model_mismatch")
                    && f.at("/scope/model").asText().equals("claude-opus-4-1")) {
                assertThat(f.get("quality_risk").asText())
                        .contains("high")
                        .contains("2 tiers")
                        .contains("degrade budget")
                        .contains("compare");
            }
        }
        assertThat(json.get("recommended_settings").findValuesAsText("setting"))
                .containsOnlyOnce("SPENDGATE_DEGRADE_CHAINS", "SPENDGATE_SESSION_CALLS_PER_MINUTE");
        assertThat(waste.out())
                .contains("owner: finance / ap, cost centre CC-400")
                .contains("Recommended settings");
        assertThat(json.at("/advisor/0/rank").asInt()).isEqualTo(1);
        assertThat(json.at("/input/records").asLong())
                .isEqualTo(json.get("calls_analysed").asLong());

        // without --out, the findings past --top are not "in --out": the line says how to see them
        CliRun top2 = CliRun.of(
                "waste", "--from", "2026-10-01", "--to", "2026-11-01", "--top", "2", "--data-dir", dir.toString());
        assertThat(top2.out())
                .contains(" 2. $")
                .doesNotContain(" 3. $")
                .contains("  ... " + (json.get("findings").size() - 2) + " more (raise --top, or write them all with")
                .doesNotContain("(see --out)");
    }

    @Test
    void simulateThenReport_simulatedMonth_chargebackMapsDepartmentsSharesPlatformAndBalancesToTheFocusTotal()
            throws Exception {
        assertThat(CliRun.of(
                                "simulate",
                                "--month",
                                "2026-10",
                                "--seed",
                                "3",
                                "--calls",
                                "5000",
                                "--data-dir",
                                dir.toString())
                        .code())
                .isZero();
        Path out = dir.resolve("out");

        CliRun report = CliRun.of(
                "report", "--month", "2026-10", "--out", out.toString(), "--no-email", "--data-dir", dir.toString());

        assertThat(report.code()).as(report.err()).isZero();
        List<String> lines = Files.readAllLines(out.resolve("chargeback.csv"));
        assertThat(lines).anyMatch(l -> l.contains(",6100,CC-100,direct,"));
        assertThat(lines).anyMatch(l -> l.contains(",6250,") && l.contains(",shared,"));
        assertThat(lines).anyMatch(l -> l.startsWith("2026-10,research,") && l.contains(",suspense,"));
        BigDecimal chargeback = BigDecimal.ZERO;
        for (String l : lines.subList(1, lines.size())) {
            chargeback = chargeback.add(new BigDecimal(l.substring(l.lastIndexOf(',') + 1)));
        }
        BigDecimal focus = BigDecimal.ZERO;
        try (var parser = org.apache.commons.csv.CSVFormat.DEFAULT
                .builder()
                .setHeader()
                .get()
                .parse(Files.newBufferedReader(out.resolve("focus-1.1.csv")))) {
            for (var row : parser) {
                focus = focus.add(new BigDecimal(row.get("BilledCost")));
            }
        }
        assertThat(chargeback).isEqualByComparingTo(focus.setScale(2, java.math.RoundingMode.HALF_EVEN));
        String pdf;
        try (var doc =
                org.apache.pdfbox.Loader.loadPDF(out.resolve("board-report.pdf").toFile())) {
            pdf = new org.apache.pdfbox.text.PDFTextStripper().getText(doc);
        }
        assertThat(pdf).contains("ticket_resolved").contains("question_answered");
    }

    @Test
    void simulate_sameMonthTwice_refusesTheSecondRun() {
        String[] args = {"simulate", "--month", "2026-10", "--calls", "5000", "--data-dir", dir.toString()};
        assertThat(CliRun.of(args).code()).isZero();

        CliRun again = CliRun.of(args);

        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("already has records for 2026-10");
    }

    @Test
    void waste_emptyDataDirectory_saysNoWasteFound() {
        CliRun waste = CliRun.of("waste", "--data-dir", dir.toString());

        assertThat(waste.code()).as(waste.err()).isZero();
        assertThat(waste.out()).contains("0 calls").contains("No waste found.");
    }

    /**
     * A customer with contracted prices: the gateway charged the calls with its overrides, so a finding's saving (the
     * calls' cost less the same tokens on the cheaper model) must use the cheaper model's contracted rate too. Before,
     * `waste` priced the cheaper model at list: the saving did not move with the contract at all.
     */
    @Test
    void waste_withOverrides_pricesTheCheaperModelAtTheContractedRate() throws Exception {
        CliRun simulate = CliRun.of(
                "simulate", "--month", "2026-10", "--seed", "7", "--calls", "5000", "--data-dir", dir.toString());
        assertThat(simulate.code()).as(simulate.err()).isZero();
        Path half = dir.resolve("half.json");
        Files.writeString(half, """
                {"discounts": [{"provider": "openai", "model": "gpt-4o-mini", "percent": 50}]}
                """);
        Path free = dir.resolve("free.json");
        Files.writeString(free, """
                {"discounts": [{"provider": "openai", "model": "gpt-4o-mini", "percent": 100}]}
                """);

        BigDecimal list = triageSaving(List.of());
        BigDecimal atHalf = triageSaving(List.of("--overrides", half.toString()));
        BigDecimal atNothing = triageSaving(List.of("--overrides", free.toString()));

        // the saving grows by what the cheaper model's tokens no longer cost: half of it, then all of it
        assertThat(atHalf).isGreaterThan(list);
        assertThat(atNothing.subtract(list))
                .isEqualByComparingTo(atHalf.subtract(list).multiply(BigDecimal.TWO));
    }

    /** The window saving of the ticket-triage gpt-4o to gpt-4o-mini finding, from `waste --out`. */
    private BigDecimal triageSaving(List<String> extra) throws Exception {
        Path out = Files.createTempFile(dir, "findings", ".json");
        List<String> args = new java.util.ArrayList<>(List.of(
                "waste",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--out",
                out.toString(),
                "--data-dir",
                dir.toString()));
        args.addAll(extra);
        CliRun waste = CliRun.of(args.toArray(String[]::new));
        assertThat(waste.code()).as(waste.err()).isZero();
        for (JsonNode f : new ObjectMapper().readTree(Files.readAllBytes(out)).get("findings")) {
            if (f.get("category").asText().equals("model_mismatch")
                    && f.at("/scope/feature").asText().equals("ticket-triage")) {
                return new BigDecimal(f.get("window_savings_usd").asText());
            }
        }
        throw new AssertionError("no ticket-triage model_mismatch finding");
    }

    /**
     * A record whose cost is implausible for its tokens is left out of every figure, as the monthly report quarantines
     * it; `usage` and the console say so. Before, `waste` dropped it from its spend and said nothing: the score and the
     * dollars rested on data it had silently left out.
     */
    @Test
    void waste_recordWithImplausibleCost_saysItWasLeftOut() throws Exception {
        java.time.Instant at = java.time.Instant.parse("2026-10-14T10:00:00Z");
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            dev.spendgate.domain.usage.UsageRecordCodec.write(record("req-ok", at, "0.005"), out);
            dev.spendgate.domain.usage.UsageRecordCodec.write(record("req-bad", at.plusSeconds(60), "999995"), out);
        }
        new dev.spendgate.embedded.FileSystemObjectStore(dir)
                .put(dev.spendgate.domain.usage.UsageLayout.hourPrefix(at) + "a.ndjson.gz", gz.toByteArray());

        CliRun waste = CliRun.of("waste", "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());

        assertThat(waste.code()).as(waste.err()).isZero();
        assertThat(waste.out()).as(waste.out()).contains("1 calls, $0.01 spent").doesNotContain("999,995");
        assertThat(waste.out()).contains("Left out: 1 records with a cost above the model");
    }

    /**
     * The email settings belong to `report`: a STARTTLS value that is neither true nor false stops `report` (it would
     * send the SMTP password in clear), but `waste` sends nothing and runs, with the chargeback rules of the same
     * environment still read. Before, `waste` exited 2 naming SPENDGATE_SMTP_STARTTLS.
     */
    @Test
    void waste_emailSettingsMistyped_stillRunsWithTheChargebackRules() throws Exception {
        Path rules = dir.resolve("rules.json");
        Files.writeString(rules, "not json");
        ProcessBuilder pb = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        System.getProperty("java.class.path"),
                        SpendgateCli.class.getName(),
                        "waste",
                        "--data-dir",
                        dir.toString())
                .redirectErrorStream(true);
        pb.environment().put("SPENDGATE_SMTP_HOST", "smtp.example.com");
        pb.environment().put("SPENDGATE_SMTP_STARTTLS", "yes");
        pb.environment().put("SPENDGATE_CHARGEBACK_RULES", rules.toString());
        Process p = pb.start();
        String printed = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        // the rules file is still read (and its damage named), the SMTP setting is not
        assertThat(p.waitFor()).as(printed).isEqualTo(2);
        assertThat(printed).contains("--rules").contains(rules.toString()).doesNotContain("SPENDGATE_SMTP_STARTTLS");

        Files.writeString(rules, "{\"rules\": []}");
        Process ok = pb.start();
        String okPrinted = new String(ok.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(ok.waitFor()).as(okPrinted).isZero();
        assertThat(okPrinted).contains("0 calls");
    }

    private static dev.spendgate.domain.usage.UsageRecord record(String id, java.time.Instant start, String cost) {
        return dev.spendgate.domain.usage.UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new dev.spendgate.domain.attribution.Attribution(
                        "chat", "engineering", null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o-2024-08-06")
                .statusCode(200)
                .tokens(dev.spendgate.domain.pricing.TokenUsage.openAi(1200, 0, 200, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.PRICED)
                .pricingVersion("2026-12-05")
                .usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }
}
