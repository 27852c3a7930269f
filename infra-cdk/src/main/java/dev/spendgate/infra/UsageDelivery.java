package dev.spendgate.infra;

import dev.spendgate.domain.usage.UsageLayout;
import java.util.List;
import java.util.Map;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.cloudwatch.Alarm;
import software.amazon.awscdk.services.cloudwatch.ComparisonOperator;
import software.amazon.awscdk.services.cloudwatch.Metric;
import software.amazon.awscdk.services.cloudwatch.TreatMissingData;
import software.amazon.awscdk.services.cloudwatch.actions.SnsAction;
import software.amazon.awscdk.services.iam.PrincipalWithConditions;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.BufferingHintsProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.CloudWatchLoggingOptionsProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.DeliveryStreamEncryptionConfigurationInputProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.DynamicPartitioningConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.ExtendedS3DestinationConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.ProcessingConfigurationProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.ProcessorParameterProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.ProcessorProperty;
import software.amazon.awscdk.services.kinesisfirehose.CfnDeliveryStream.RetryOptionsProperty;
import software.amazon.awscdk.services.logs.LogGroup;
import software.amazon.awscdk.services.logs.LogStream;
import software.amazon.awscdk.services.logs.RetentionDays;
import software.amazon.awscdk.services.sns.ITopic;
import software.constructs.Construct;

/**
 * The usage records' way into S3: an Amazon Data Firehose stream (Direct PUT) that the proxy feeds with
 * {@code PutRecordBatch}, one record per usage line. The stream buffers by size and time, gzips, and writes the
 * objects under {@code usage/v1/year=/month=/day=/hour=/}, so the Glue table, the waste run and the reports read
 * them exactly as before.
 *
 * <p>Records are partitioned by their own {@code ts_start} (dynamic partitioning with a JQ query), not by the time
 * they reach Firehose (the {@code !{timestamp:..}} prefix expression): records spooled during an outage and sent
 * hours later, and a call that starts at 14:59:59 and is sent at 15:00:02, must land in the hour partition of the
 * call, because Athena's partition projection and the readers' duplicate check (repeated request ids are dropped
 * within one hour partition) both rely on it.
 */
public final class UsageDelivery extends Construct {
    /** The JQ query (Firehose's JQ 1.6) that yields the partition keys from a record's {@code ts_start}. */
    public static final String PARTITION_QUERY =
            "{year:.ts_start[0:4],month:.ts_start[5:7],day:.ts_start[8:10],hour:.ts_start[11:13]}";

    /** Where records go: the writers' hour prefix, filled from the query's keys. */
    public static final String PREFIX = UsageLayout.ROOT
            + "year=!{partitionKeyFromQuery:year}/month=!{partitionKeyFromQuery:month}"
            + "/day=!{partitionKeyFromQuery:day}/hour=!{partitionKeyFromQuery:hour}/";

    /** Records Firehose could not partition or write; outside {@code usage/}, so readers never see them. */
    public static final String ERROR_PREFIX =
            "usage-errors/!{firehose:error-output-type}/year=!{timestamp:yyyy}/month=!{timestamp:MM}/day=!{timestamp:dd}/";

    /** The readers list objects ending in this (UsageLogReader). */
    public static final String FILE_EXTENSION = ".ndjson.gz";

    /** Dynamic partitioning needs a size buffer of at least 64 MiB; the largest allowed. */
    static final int BUFFER_MIB = 128;

    private final CfnDeliveryStream stream;
    private final Role role;
    private final LogGroup logGroup;
    /** How long Firehose retries a batch S3 refuses before it goes under {@code usage-errors/}: its maximum. */
    static final int RETRY_SECONDS = 7200;

    private final List<Alarm> alarms;

    public UsageDelivery(Construct scope, String id, Storage storage, int bufferSeconds, ITopic alerts) {
        super(scope, id);
        var bucket = storage.data();
        logGroup = LogGroup.Builder.create(this, "Logs")
                .retention(RetentionDays.THREE_MONTHS)
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();
        LogStream errors = LogStream.Builder.create(this, "DeliveryErrors")
                .logGroup(logGroup)
                .logStreamName("S3Delivery")
                .removalPolicy(RemovalPolicy.RETAIN)
                .build();

        Stack stack = Stack.of(this);
        // Only this account's Firehose may assume the role (the confused-deputy guard AWS documents for Firehose).
        role = Role.Builder.create(this, "Role")
                .assumedBy(new PrincipalWithConditions(
                        new ServicePrincipal("firehose.amazonaws.com"),
                        Map.of("StringEquals", Map.of("sts:ExternalId", stack.getAccount()))))
                .description("Spendgate usage stream: writes usage/ and usage-errors/ objects, its own error log")
                .build();
        role.addToPolicy(Policies.allow(
                "WriteUsageObjects",
                List.of("s3:PutObject", "s3:AbortMultipartUpload"),
                List.of(bucket.arnForObjects(Storage.USAGE_PREFIX + "*"), bucket.arnForObjects("usage-errors/*"))));
        role.addToPolicy(Policies.allow(
                "LocateBucket",
                List.of("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads"),
                List.of(bucket.getBucketArn())));
        role.addToPolicy(Policies.allow(
                "WriteDeliveryErrors",
                List.of("logs:PutLogEvents"),
                List.of(stack.formatArn(software.amazon.awscdk.ArnComponents.builder()
                        .service("logs")
                        .resource("log-group")
                        .resourceName(logGroup.getLogGroupName() + ":log-stream:" + errors.getLogStreamName())
                        .arnFormat(software.amazon.awscdk.ArnFormat.COLON_RESOURCE_NAME)
                        .build()))));

        stream = CfnDeliveryStream.Builder.create(this, "Stream")
                .deliveryStreamType("DirectPut")
                .deliveryStreamEncryptionConfigurationInput(DeliveryStreamEncryptionConfigurationInputProperty.builder()
                        .keyType("AWS_OWNED_CMK")
                        .build())
                .extendedS3DestinationConfiguration(ExtendedS3DestinationConfigurationProperty.builder()
                        .bucketArn(bucket.getBucketArn())
                        .roleArn(role.getRoleArn())
                        .prefix(PREFIX)
                        .errorOutputPrefix(ERROR_PREFIX)
                        .fileExtension(FILE_EXTENSION)
                        .compressionFormat("GZIP")
                        .bufferingHints(BufferingHintsProperty.builder()
                                .intervalInSeconds(bufferSeconds)
                                .sizeInMBs(BUFFER_MIB)
                                .build())
                        .dynamicPartitioningConfiguration(DynamicPartitioningConfigurationProperty.builder()
                                .enabled(true)
                                // the longest Firehose allows: after it, a batch S3 would not take goes under
                                // usage-errors/, which no reader reads (an S3 outage of 5 minutes, the default, would
                                // take records out of every report)
                                .retryOptions(RetryOptionsProperty.builder()
                                        .durationInSeconds(RETRY_SECONDS)
                                        .build())
                                .build())
                        .processingConfiguration(ProcessingConfigurationProperty.builder()
                                .enabled(true)
                                .processors(List.of(ProcessorProperty.builder()
                                        .type("MetadataExtraction")
                                        .parameters(List.of(
                                                parameter("MetadataExtractionQuery", PARTITION_QUERY),
                                                parameter("JsonParsingEngine", "JQ-1.6")))
                                        .build()))
                                .build())
                        .cloudWatchLoggingOptions(CloudWatchLoggingOptionsProperty.builder()
                                .enabled(true)
                                .logGroupName(logGroup.getLogGroupName())
                                .logStreamName(errors.getLogStreamName())
                                .build())
                        .build())
                .build();
        stream.getNode().addDependency(role);

        alarms = List.of(
                alarm(
                        "DeliveryFailing",
                        "The usage stream could not write to S3 for 15 minutes. Firehose retries each batch for 2"
                                + " hours, then writes it under usage-errors/, which reports do not read: see its log"
                                + " group, and the README (Deploy to AWS) for records found there",
                        metric("DeliveryToS3.Success", "Average"),
                        ComparisonOperator.LESS_THAN_THRESHOLD,
                        1,
                        3),
                alarm(
                        "DeliveryLagging",
                        "Usage records are older than the buffer time plus 15 minutes when they reach S3",
                        metric("DeliveryToS3.DataFreshness", "Maximum"),
                        ComparisonOperator.GREATER_THAN_THRESHOLD,
                        bufferSeconds + 900,
                        1),
                alarm(
                        "Throttled",
                        "The usage stream throttled records: the proxy spooled them to DynamoDB (delivered later);"
                                + " raise the stream's quota if it persists",
                        metric("ThrottledRecords", "Sum"),
                        ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
                        1,
                        1));
        alarms.forEach(a -> a.addAlarmAction(new SnsAction(alerts)));
    }

    private Metric metric(String name, String statistic) {
        return Metric.Builder.create()
                .namespace("AWS/Firehose")
                .metricName(name)
                .dimensionsMap(Map.of("DeliveryStreamName", stream.getRef()))
                .statistic(statistic)
                .period(Duration.minutes(5))
                .build();
    }

    private Alarm alarm(
            String id,
            String description,
            Metric metric,
            ComparisonOperator comparison,
            double threshold,
            int periods) {
        return Alarm.Builder.create(this, id)
                .alarmDescription(description)
                .metric(metric)
                .comparisonOperator(comparison)
                .threshold(threshold)
                .evaluationPeriods(periods)
                .treatMissingData(TreatMissingData.NOT_BREACHING)
                .build();
    }

    private static ProcessorParameterProperty parameter(String name, String value) {
        return ProcessorParameterProperty.builder()
                .parameterName(name)
                .parameterValue(value)
                .build();
    }

    public CfnDeliveryStream stream() {
        return stream;
    }

    /** The stream's name, as the proxy's {@code SPENDGATE_USAGE_FIREHOSE_STREAM}. */
    public String streamName() {
        return stream.getRef();
    }

    public String streamArn() {
        return stream.getAttrArn();
    }

    public Role role() {
        return role;
    }

    public LogGroup logGroup() {
        return logGroup;
    }

    public List<Alarm> alarms() {
        return alarms;
    }
}
