package dev.spendgate.report.focus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.FocusCharges;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.usage.UsageRecord;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.util.List;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVRecord;
import org.junit.jupiter.api.Test;

/**
 * A {@code format: bedrock} provider under its own name (the README's {@code bedrock-eu}) is Amazon Bedrock, billed
 * by AWS: finance matches FOCUS rows to the AWS invoice by ProviderName and ServiceName.
 */
class FocusCsvWriterBedrockProviderTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();

    @Test
    void write_renamedBedrockProvider_isAmazonBedrockBilledByAwsInBothVersions() throws IOException {
        String model = "eu.anthropic.claude-sonnet-4-5-20250929-v1:0";
        TokenUsage tokens = new TokenUsage(150_000, 50_000, 0, 0, 0, 0);
        Instant t = Instant.parse("2026-11-03T10:00:00Z");
        MonthlyUsage month = MonthlyUsage.of(YearMonth.of(2026, 11));
        month.add(UsageRecord.builder()
                .requestId("r1")
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .provider("bedrock-eu")
                .pricingProvider("bedrock")
                .modelRequested(model)
                .modelServed(model)
                .statusCode(200)
                .tokens(tokens)
                .costUsd(CATALOG.find("bedrock", model).orElseThrow().cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build());

        for (FocusVersion version : List.of(FocusVersion.V1_1, FocusVersion.V1_3)) {
            byte[] csv = FocusCsvWriter.create(FocusCsvWriter.Settings.DEFAULT, version)
                    .write(YearMonth.of(2026, 11), FocusCharges.of(month, CATALOG, CATALOG));
            List<CSVRecord> rows = CSVFormat.RFC4180
                    .builder()
                    .setHeader()
                    .get()
                    .parse(new StringReader(new String(csv, StandardCharsets.UTF_8)))
                    .getRecords();

            assertThat(rows).as(version.name()).isNotEmpty().allSatisfy(row -> {
                assertThat(row.get("ProviderName")).isEqualTo("Amazon Web Services");
                assertThat(row.get("InvoiceIssuerName")).isEqualTo("Amazon Web Services");
                assertThat(row.get("ServiceName")).isEqualTo("Amazon Bedrock");
                assertThat(row.get("PublisherName")).isEqualTo("Anthropic");
                assertThat(row.get("SkuId")).startsWith("bedrock-eu/"); // the provider the calls went through
                if (version == FocusVersion.V1_3) {
                    assertThat(row.get("HostProviderName")).isEqualTo("Amazon Web Services");
                    assertThat(row.get("ServiceProviderName")).isEqualTo("Amazon Web Services");
                }
            });
        }
    }
}
