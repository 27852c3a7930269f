package dev.spendgate.infra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.assertions.Capture;
import software.amazon.awscdk.assertions.Match;

/**
 * The usage stream as a reviewer reads it: records land under the readers' hour prefix by their own
 * {@code ts_start}, gzipped, buffered by size and time; its role may write only there and its error log; its
 * failures alarm to the alert topic; and the proxy may only put records into it.
 */
class UsageDeliveryStackTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static Synth synth;

    @BeforeAll
    static void synthesize() {
        synth = Synth.of(b -> {});
    }

    @Test
    void stream_directPutToTheDataBucket_gzipByHourOfTheRecordsOwnTime() {
        Capture destination = new Capture();
        synth.template.hasResourceProperties(
                "AWS::KinesisFirehose::DeliveryStream",
                Map.of(
                        "DeliveryStreamType",
                        "DirectPut",
                        "DeliveryStreamEncryptionConfigurationInput",
                        Map.of("KeyType", "AWS_OWNED_CMK"),
                        "ExtendedS3DestinationConfiguration",
                        destination));
        Map<String, Object> d = destination.asObject();
        assertThat(d.get("Prefix"))
                .isEqualTo("usage/v1/year=!{partitionKeyFromQuery:year}/month=!{partitionKeyFromQuery:month}"
                        + "/day=!{partitionKeyFromQuery:day}/hour=!{partitionKeyFromQuery:hour}/");
        assertThat((String) d.get("ErrorOutputPrefix")).startsWith("usage-errors/");
        assertThat(d.get("CompressionFormat")).isEqualTo("GZIP");
        assertThat(d.get("FileExtension")).isEqualTo(".ndjson.gz");
        assertThat(d.get("BufferingHints")).isEqualTo(Map.of("IntervalInSeconds", 900, "SizeInMBs", 128));
        // a batch S3 refuses is retried for the longest Firehose allows before it goes under usage-errors/, which no
        // report reads: with the 5-minute default, a short S3 outage took records out of every report
        assertThat(d.get("DynamicPartitioningConfiguration").toString())
                .contains("Enabled=true")
                .contains("DurationInSeconds=7200");
        assertThat(d.get("ProcessingConfiguration").toString())
                .contains("MetadataExtraction")
                .contains(UsageDelivery.PARTITION_QUERY)
                .contains("JQ-1.6");
        assertThat(d.get("BucketARN").toString()).contains(logicalId("StorageDataBucket"));
    }

    @Test
    void stream_customBuffer_takesTheContextValue() {
        Synth custom = Synth.of(b -> b.usageBufferSeconds(120));

        custom.template.hasResourceProperties(
                "AWS::KinesisFirehose::DeliveryStream",
                Match.objectLike(Map.of(
                        "ExtendedS3DestinationConfiguration",
                        Match.objectLike(
                                Map.of("BufferingHints", Map.of("IntervalInSeconds", 120, "SizeInMBs", 128))))));
    }

    /**
     * Runs the stack's partition query with jq 1.6 (the engine Firehose uses) over a record as the codec writes it:
     * the resulting prefix must be the one the readers list.
     */
    @Test
    void partitionQuery_realRecordThroughJq_yieldsTheReadersHourPrefix() throws Exception {
        Instant start = Instant.parse("2026-03-07T09:59:59.999Z");
        String line = new String(UsageRecordCodec.line(record(start)), StandardCharsets.UTF_8);

        JsonNode keys = JSON.readTree(jq(UsageDelivery.PARTITION_QUERY, line));

        String prefix = UsageDelivery.PREFIX
                .replace("!{partitionKeyFromQuery:year}", keys.get("year").asText())
                .replace("!{partitionKeyFromQuery:month}", keys.get("month").asText())
                .replace("!{partitionKeyFromQuery:day}", keys.get("day").asText())
                .replace("!{partitionKeyFromQuery:hour}", keys.get("hour").asText());
        assertThat(prefix)
                .isEqualTo(UsageLayout.hourPrefix(start))
                .isEqualTo("usage/v1/year=2026/month=03/day=07/hour=09/");
    }

    @Test
    void streamRole_assumedByThisAccountsFirehose_writesOnlyUsageObjectsAndItsErrorLog() {
        Map<String, String> s = Statements.of(synth, "UsageDeliveryRole");

        assertThat(s)
                .containsOnlyKeys("WriteUsageObjects", "LocateBucket", "WriteDeliveryErrors")
                .containsEntry(
                        "WriteUsageObjects",
                        "[s3:PutObject, s3:AbortMultipartUpload] on <" + logicalId("StorageDataBucket")
                                + ".Arn>/usage/*, <" + logicalId("StorageDataBucket") + ".Arn>/usage-errors/*")
                .containsEntry(
                        "LocateBucket",
                        "[s3:GetBucketLocation, s3:ListBucket, s3:ListBucketMultipartUploads] on <"
                                + logicalId("StorageDataBucket") + ".Arn>");
        assertThat(s.get("WriteDeliveryErrors"))
                .startsWith("[logs:PutLogEvents] on ")
                .contains(":log-group:")
                .contains(":log-stream:");
        Capture trust = new Capture();
        synth.template.hasResourceProperties(
                "AWS::IAM::Role",
                Match.objectLike(Map.of(
                        "AssumeRolePolicyDocument",
                        Map.of(
                                "Statement",
                                List.of(Match.objectLike(Map.of(
                                        "Principal", Map.of("Service", "firehose.amazonaws.com"), "Condition", trust))),
                                "Version",
                                "2012-10-17"))));
        assertThat(trust.asObject().toString()).contains("sts:ExternalId").contains("123456789012");
    }

    @Test
    void alarms_deliveryFailingLaggingOrThrottled_notifyTheAlertTopic() {
        for (String metric : List.of("DeliveryToS3.Success", "DeliveryToS3.DataFreshness", "ThrottledRecords")) {
            synth.template.hasResourceProperties(
                    "AWS::CloudWatch::Alarm",
                    Match.objectLike(Map.of(
                            "Namespace",
                            "AWS/Firehose",
                            "MetricName",
                            metric,
                            "Dimensions",
                            List.of(Map.of(
                                    "Name",
                                    "DeliveryStreamName",
                                    "Value",
                                    Map.of("Ref", logicalId("UsageDeliveryStream")))),
                            "AlarmActions",
                            List.of(Map.of("Ref", logicalId("Alerts"))))));
        }
    }

    @Test
    void glueTable_unchanged_stillReadsTheUsagePrefix() {
        Capture table = new Capture();
        synth.template.hasResourceProperties(
                "AWS::Glue::Table",
                Map.of("CatalogId", Match.anyValue(), "DatabaseName", Match.anyValue(), "TableInput", table));
        assertThat(table.asObject().toString()).contains("/usage/v1/");
    }

    private static String jq(String query, String input) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("jq", "-c", query).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeThat(false).as("jq is not installed").isTrue();
            throw e;
        }
        p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    private static UsageRecord record(Instant start) {
        return UsageRecord.builder()
                .requestId("req-1")
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", null, null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1000, 24, 0, 0))
                .costUsd(new BigDecimal("0.0001644"))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }

    private static String logicalId(String prefix) {
        return Statements.logicalId(synth, prefix);
    }
}
