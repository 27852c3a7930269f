package dev.spendgate.domain.gatewaycost;

import java.math.BigDecimal;
import java.time.LocalDate;
import java.util.List;
import java.util.Objects;

/**
 * Public AWS list prices (USD) of the services one gateway call uses, first pricing tier, one region, as read from the
 * pages in {@link #sources} on {@link #asOf}. Free tiers, Savings Plans and volume tiers are left out: the figures are
 * what a call costs at list price once the free tier is used up.
 *
 * @param apiGatewayRestPerMillion REST API requests, first 333 million a month
 * @param lambdaRequestsPerMillion Lambda requests
 * @param lambdaGbSecondX86 Lambda duration on x86_64, per GB-second (first 6 billion GB-s a month)
 * @param lambdaGbSecondArm64 Lambda duration on arm64, per GB-second (first 7.5 billion GB-s a month)
 * @param dynamoDbWriteUnitsPerMillion on-demand write request units (1 KB each)
 * @param dynamoDbReadUnitsPerMillion on-demand read request units (4 KB strongly consistent, 8 KB eventually)
 * @param s3PutPerThousand S3 Standard PUT, COPY, POST, LIST requests
 * @param s3GetPerThousand S3 Standard GET, SELECT and other requests
 * @param firehosePerGb Amazon Data Firehose Direct PUT ingestion, first 500 TB a month
 * @param firehoseRecordRoundingBytes Firehose bills each record rounded up to this many bytes (5 KB)
 * @param firehoseDynamicPartitioningPerGb Firehose dynamic partitioning, per GB delivered to S3 (the records' own
 *     bytes, not rounded; {@code DPBytesDelivered})
 * @param firehoseObjectsPerThousand Firehose dynamic partitioning, per 1,000 objects delivered to S3
 * @param firehoseJqPerHour Firehose dynamic partitioning, per hour of JQ processing (the partition keys' query)
 * @param secretsManagerPer10k Secrets Manager API calls
 * @param logsIngestionPerGb CloudWatch Logs standard ingestion (Lambda logs: the first tier)
 * @param secretsManagerSecretPerMonth Secrets Manager storage, per secret and month (a secret stored part of a month
 *     is prorated)
 * @param dataTransferOutPerGb data transfer out to the internet at EC2's rates, which Lambda's and API Gateway's data
 *     out bill at (first 10 TB a month; the 100 GB free each month left out as the other free tiers)
 * @param kmsKeyPerMonth AWS KMS storage of one customer managed key, per month (prorated hourly), before the $1 a month
 *     that each of its first two automatic rotations adds
 */
public record AwsPrices(
        String region,
        LocalDate asOf,
        List<String> sources,
        BigDecimal apiGatewayRestPerMillion,
        BigDecimal lambdaRequestsPerMillion,
        BigDecimal lambdaGbSecondX86,
        BigDecimal lambdaGbSecondArm64,
        BigDecimal dynamoDbWriteUnitsPerMillion,
        BigDecimal dynamoDbReadUnitsPerMillion,
        BigDecimal s3PutPerThousand,
        BigDecimal s3GetPerThousand,
        BigDecimal firehosePerGb,
        long firehoseRecordRoundingBytes,
        BigDecimal firehoseDynamicPartitioningPerGb,
        BigDecimal firehoseObjectsPerThousand,
        BigDecimal firehoseJqPerHour,
        BigDecimal secretsManagerPer10k,
        BigDecimal logsIngestionPerGb,
        BigDecimal secretsManagerSecretPerMonth,
        BigDecimal dataTransferOutPerGb,
        BigDecimal kmsKeyPerMonth) {

    /**
     * US East (N. Virginia), list prices as published on the cited pages on 2026-12-03 (DynamoDB on-demand after the
     * 2024-11-01 price cut; Lambda logs tiered since 2025-05-01, first tier unchanged); Firehose dynamic partitioning
     * (which the stack's usage stream uses) from the same Firehose page: $0.02 per GB delivered, $0.005 per 1,000
     * objects, $0.07 per JQ processing hour. Added 2026-12-05 from the same Secrets Manager page: $0.40 per secret
     * per month (prorated by the hours a secret is stored), besides the API calls; and data transfer out to the
     * internet, $0.09 per GB (EC2 on-demand page, data transfer section; Lambda's and API Gateway's pages bill their
     * data out at EC2's rates). Added 2026-12-06: AWS KMS, $1 a month for each customer managed key (prorated
     * hourly; no free tier covers key storage).
     */
    public static final AwsPrices US_EAST_1 = new AwsPrices(
            "us-east-1",
            LocalDate.of(2026, 12, 3),
            List.of(
                    "https://aws.amazon.com/api-gateway/pricing/",
                    "https://aws.amazon.com/lambda/pricing/",
                    "https://aws.amazon.com/dynamodb/pricing/on-demand/",
                    "https://aws.amazon.com/s3/pricing/",
                    "https://aws.amazon.com/firehose/pricing/",
                    "https://aws.amazon.com/secrets-manager/pricing/",
                    "https://aws.amazon.com/cloudwatch/pricing/",
                    "https://aws.amazon.com/ec2/pricing/on-demand/",
                    "https://aws.amazon.com/kms/pricing/"),
            new BigDecimal("3.50"),
            new BigDecimal("0.20"),
            new BigDecimal("0.0000166667"),
            new BigDecimal("0.0000133334"),
            new BigDecimal("0.625"),
            new BigDecimal("0.125"),
            new BigDecimal("0.005"),
            new BigDecimal("0.0004"),
            new BigDecimal("0.029"),
            5 * 1024,
            new BigDecimal("0.02"),
            new BigDecimal("0.005"),
            new BigDecimal("0.07"),
            new BigDecimal("0.05"),
            new BigDecimal("0.50"),
            new BigDecimal("0.40"),
            new BigDecimal("0.09"),
            new BigDecimal("1.00"));

    public AwsPrices {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(asOf, "asOf");
        sources = List.copyOf(sources);
        for (BigDecimal p : List.of(
                apiGatewayRestPerMillion,
                lambdaRequestsPerMillion,
                lambdaGbSecondX86,
                lambdaGbSecondArm64,
                dynamoDbWriteUnitsPerMillion,
                dynamoDbReadUnitsPerMillion,
                s3PutPerThousand,
                s3GetPerThousand,
                firehosePerGb,
                firehoseDynamicPartitioningPerGb,
                firehoseObjectsPerThousand,
                firehoseJqPerHour,
                secretsManagerPer10k,
                logsIngestionPerGb,
                secretsManagerSecretPerMonth,
                dataTransferOutPerGb,
                kmsKeyPerMonth)) {
            if (p == null || p.signum() < 0) {
                throw new IllegalArgumentException("every price must be given and not negative");
            }
        }
        if (firehoseRecordRoundingBytes <= 0) {
            throw new IllegalArgumentException("firehoseRecordRoundingBytes must be positive");
        }
    }
}
