package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageRecordCodec.MalformedUsageRecordException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class UsageRecordCodecTest {
    private final UsageRecord record =
            UsageRecords.priced("req-1", Instant.parse("2026-11-28T15:04:05.123Z"), "chatbot", "gpt-4o", "0.0031");

    @Test
    void write_record_isOneLineWithTheDocumentedFieldNames() throws Exception {
        String line = line(record);
        assertThat(line).endsWith("\n").doesNotContain("\n\n");
        JsonNode json = new ObjectMapper().readTree(line);
        for (String field : new String[] {
            "schema_version",
            "request_id",
            "ts_start",
            "ts_end",
            "key_id",
            "feature",
            "department",
            "team",
            "environment",
            "session",
            "user",
            "run",
            "provider",
            "endpoint",
            "model_requested",
            "model_served",
            "stream",
            "status_code",
            "input_tokens",
            "cached_input_tokens",
            "cache_write_tokens",
            "output_tokens",
            "reasoning_tokens",
            "cost_usd",
            "pricing_version",
            "usage_source",
            "latency_ms",
            "upstream_ms",
            "overhead_ms",
            "system_hash",
            "prefix_hash",
            "request_hash",
            "simhash"
        }) {
            assertThat(json.has(field)).as(field).isTrue();
        }
        assertThat(json.get("cost_usd").isTextual()).isTrue();
        assertThat(json.get("cost_usd").asText()).isEqualTo("0.0031");
        assertThat(json.get("ts_start").asText()).isEqualTo("2026-11-28T15:04:05.123Z");
        assertThat(json.get("usage_source").asText()).isEqualTo("provider");
        assertThat(json.get("attributed").asBoolean()).isTrue();
    }

    @Test
    void write_timestamps_areWrittenAsInstantToStringAtMillisecondPrecision() {
        java.util.Random random = new java.util.Random(13);
        java.util.List<Instant> instants = new java.util.ArrayList<>(java.util.List.of(
                Instant.parse("2026-11-28T15:04:05Z"),
                Instant.parse("2026-11-28T15:04:05.000999999Z"),
                Instant.parse("2026-12-31T23:59:59.999999999Z"),
                Instant.parse("2028-02-29T00:00:00.001Z"),
                Instant.parse("1969-12-31T23:59:59.5Z"),
                Instant.parse("0000-01-01T00:00:00Z"),
                Instant.parse("9999-12-31T23:59:59.999Z"),
                Instant.parse("+10000-01-01T00:00:00Z"),
                Instant.parse("-0001-12-31T23:59:59.100Z")));
        for (int i = 0; i < 2000; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong() % 400_000_000_000L, random.nextInt(1_000_000_000)));
        }
        for (Instant t : instants) {
            assertThat(UsageRecordCodec.time(t))
                    .as(t.toString())
                    .isEqualTo(
                            t.truncatedTo(java.time.temporal.ChronoUnit.MILLIS).toString());
        }
    }

    @Test
    void read_writtenRecord_roundTripsEveryField() {
        assertThat(UsageRecordCodec.read(line(record))).isEqualTo(record);
    }

    @Test
    void write_callWithWebSearches_recordsTheirNumberAndRoundTrips() throws Exception {
        UsageRecord searched = UsageRecord.builder()
                .requestId("req-ws")
                .tsStart(Instant.parse("2026-11-28T15:04:05Z"))
                .tsEnd(Instant.parse("2026-11-28T15:04:06Z"))
                .provider("anthropic")
                .modelServed("claude-sonnet-4-5-20250929")
                .tokens(dev.spendgate.domain.pricing.TokenUsage.anthropic(1_000, 0, 0, 0, 200)
                        .withWebSearches(3))
                .costUsd(new java.math.BigDecimal("0.036"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();

        assertThat(new ObjectMapper()
                        .readTree(line(searched))
                        .get("web_searches")
                        .asLong())
                .isEqualTo(3);
        assertThat(UsageRecordCodec.read(line(searched))).isEqualTo(searched);
        // optional: a call that ran none writes no field, so older readers and older lines are unchanged
        assertThat(new ObjectMapper().readTree(line(record)).has("web_searches"))
                .isFalse();
    }

    @Test
    void write_callWithPreviewToolSearches_recordsTheToolAndRoundTrips() throws Exception {
        UsageRecord preview = UsageRecord.builder()
                .requestId("req-wsp")
                .tsStart(Instant.parse("2026-11-28T15:04:05Z"))
                .tsEnd(Instant.parse("2026-11-28T15:04:06Z"))
                .provider("openai")
                .modelServed("gpt-4o-2024-08-06")
                .tokens(dev.spendgate.domain.pricing.TokenUsage.openAi(1_000, 0, 200, 0)
                        .withWebSearches(2)
                        .withPreviewWebSearches(true))
                .costUsd(new java.math.BigDecimal("0.0545"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();

        var json = new ObjectMapper().readTree(line(preview));
        assertThat(json.get("web_search_tool").asText()).isEqualTo("web_search_preview");
        assertThat(json.get("web_searches").asLong()).isEqualTo(2);
        assertThat(UsageRecordCodec.read(line(preview))).isEqualTo(preview);
        assertThat(UsageRecordCodec.read(line(preview)).tokens().previewWebSearches())
                .isEqualTo(2);
    }

    @Test
    void write_batchResultLine_isDatedAtTheBatchEndWithItsCreationAndRoundTrips() throws Exception {
        UsageRecord result = BatchResultRecords.anthropic(
                        ("{\"custom_id\":\"doc-1\",\"result\":{\"type\":\"succeeded\",\"message\":{\"model\":"
                                        + "\"claude-sonnet-4-5-20250929\",\"usage\":{\"input_tokens\":1000,"
                                        + "\"output_tokens\":100}}}}\n")
                                .getBytes(java.nio.charset.StandardCharsets.UTF_8),
                        new BatchResultRecords.Batch(
                                "msgbatch_1",
                                "anthropic",
                                "key_1",
                                new dev.spendgate.domain.attribution.Attribution(
                                        "tagging", null, null, null, null, null, null),
                                Instant.parse("2026-11-30T23:30:00Z"),
                                Instant.parse("2026-12-01T01:10:00Z"),
                                "v1"),
                        dev.spendgate.domain.pricing.CallPricer.create(
                                dev.spendgate.domain.pricing.PricingCatalog.bundled()))
                .get(0);

        var json = new ObjectMapper().readTree(line(result));
        // dated where the gateway charges the batch, its end; created the evening before
        assertThat(json.get("ts_start").asText()).isEqualTo("2026-12-01T01:10:00Z");
        assertThat(json.get("ts_end").asText()).isEqualTo("2026-12-01T01:10:00Z");
        assertThat(json.get("batch_created_at").asText()).isEqualTo("2026-11-30T23:30:00Z");
        assertThat(json.get("schema_version").asInt()).isEqualTo(1);
        assertThat(UsageRecordCodec.read(line(result))).isEqualTo(result);
    }

    @Test
    void write_customProviderPricedAsAnother_recordsThePricingProviderAndRoundTrips() throws Exception {
        UsageRecord azure = UsageRecord.builder()
                .requestId("req-az")
                .tsStart(Instant.parse("2026-11-28T15:04:05Z"))
                .tsEnd(Instant.parse("2026-11-28T15:04:06Z"))
                .provider("azure")
                .pricingProvider("openai")
                .modelServed("gpt-4o")
                .pricingStatus(UsageRecord.PricingStatus.NOT_BILLABLE)
                .usageSource(UsageRecord.UsageSource.NONE)
                .build();

        assertThat(new ObjectMapper()
                        .readTree(line(azure))
                        .get("pricing_provider")
                        .asText())
                .isEqualTo("openai");
        assertThat(UsageRecordCodec.read(line(azure))).isEqualTo(azure);
        assertThat(azure.pricedProvider()).isEqualTo("openai");
        assertThat(new ObjectMapper().readTree(line(record)).has("pricing_provider"))
                .isFalse();
        assertThat(record.pricedProvider()).isEqualTo(record.provider());
    }

    @Test
    void read_unknownSchemaVersion_isRejectedWithReason() {
        String v9 = line(record).replace("\"schema_version\":1", "\"schema_version\":9");
        assertThatThrownBy(() -> UsageRecordCodec.read(v9))
                .isInstanceOf(MalformedUsageRecordException.class)
                .hasMessageContaining("schema_version");
    }

    @Test
    void write_varyingPartFingerprints_isSchema2AndRoundTrips() throws Exception {
        UsageRecord v2 = UsageRecord.builder()
                .requestId("req-v2")
                .tsStart(Instant.parse("2026-11-28T15:04:05Z"))
                .tsEnd(Instant.parse("2026-11-28T15:04:06Z"))
                .fingerprints(new UsageRecord.Fingerprints(
                        "aa", "bb", "cc", "00ff00ff00ff00ff", "dd", "0f0f0f0f0f0f0f0f", "f0f0f0f0f0f0f0f0"))
                .build();

        JsonNode json = new ObjectMapper().readTree(line(v2));
        assertThat(json.get("schema_version").asInt()).isEqualTo(2);
        assertThat(json.get("varying_hash").asText()).isEqualTo("dd");
        assertThat(json.get("varying_simhash").asText()).isEqualTo("0f0f0f0f0f0f0f0f");
        assertThat(json.get("system_simhash").asText()).isEqualTo("f0f0f0f0f0f0f0f0");
        assertThat(UsageRecordCodec.read(line(v2))).isEqualTo(v2);
    }

    @Test
    void read_schema1Record_stillReadsWithoutTheVaryingPart() throws Exception {
        JsonNode json = new ObjectMapper().readTree(line(record));
        assertThat(json.get("schema_version").asInt()).isEqualTo(1);
        assertThat(json.has("varying_hash")).isFalse();
        UsageRecord read = UsageRecordCodec.read(line(record));
        assertThat(read.schemaVersion()).isEqualTo(1);
        assertThat(read.fingerprints().hasVaryingPart()).isFalse();
        assertThat(read.fingerprints().simhash())
                .isEqualTo(record.fingerprints().simhash());
    }

    @Test
    void read_missingRequestId_isRejected() {
        String broken = line(record).replace("\"request_id\":\"req-1\",", "");
        assertThatThrownBy(() -> UsageRecordCodec.read(broken))
                .isInstanceOf(MalformedUsageRecordException.class)
                .hasMessageContaining("request_id");
    }

    @Test
    void read_notJson_isRejected() {
        assertThatThrownBy(() -> UsageRecordCodec.read("{\"schema_version\":1, trunc"))
                .isInstanceOf(MalformedUsageRecordException.class);
    }

    static String line(UsageRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        UsageRecordCodec.write(r, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void write_randomTexts_sameBytesAsJacksonWritesTheLinesTree() throws Exception {
        // the line's tree, written back by a plain ObjectMapper, is what writeStringField(String) wrote field by field
        ObjectMapper mapper = new ObjectMapper();
        java.util.Random random = new java.util.Random(13);
        for (int i = 0; i < 2_000; i++) {
            UsageRecord r = record.toBuilder()
                    .requestId("req-" + text(random))
                    .keyId(random.nextBoolean() ? null : text(random))
                    .provider(text(random))
                    .modelRequested(random.nextBoolean() ? null : text(random))
                    .modelServed(text(random))
                    .errorType(random.nextBoolean() ? null : text(random))
                    .degradedFrom(random.nextBoolean() ? null : text(random))
                    .pricingProvider(random.nextBoolean() ? null : text(random))
                    .serviceTierRequested(random.nextBoolean() ? null : text(random))
                    .inferenceProfileArn(random.nextBoolean() ? null : text(random) + "x".repeat(random.nextInt(300)))
                    .build();
            String line = line(r);

            assertThat(line)
                    .as("record %d", i)
                    .isEqualTo(
                            new String(mapper.writeValueAsBytes(mapper.readTree(line)), StandardCharsets.UTF_8) + "\n");
            assertThat(UsageRecordCodec.read(line)).isEqualTo(r);
        }
    }

    /** Letters, quotes, backslashes, control characters, non-ASCII and surrogate pairs: every escaping path. */
    private static String text(java.util.Random random) {
        String alphabet = "ab:#-_ \"\\/\n\t\u0001\u001f\u007fé€日\u2028";
        StringBuilder text = new StringBuilder("x");
        for (int n = random.nextInt(60); n > 0; n--) {
            if (random.nextInt(20) == 0) {
                text.appendCodePoint(0x1F600 + random.nextInt(50));
            } else {
                text.append(alphabet.charAt(random.nextInt(alphabet.length())));
            }
        }
        return text.toString();
    }
}
