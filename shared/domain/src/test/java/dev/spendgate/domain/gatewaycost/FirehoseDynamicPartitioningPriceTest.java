package dev.spendgate.domain.gatewaycost;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.MathContext;
import org.junit.jupiter.api.Test;

/**
 * The usage stream the stack deploys has dynamic partitioning on (UsageDelivery: {@code dynamicPartitioningConfiguration
 * enabled}, a JQ {@code MetadataExtraction} processor), and AWS bills that on top of Direct PUT ingestion: "With
 * Dynamic Partitioning, you pay per GB delivered to S3, per object, and optionally per JQ processing hour"
 * (https://aws.amazon.com/firehose/pricing/; US East price list: {@code DPBytesDelivered} $0.02 per GB,
 * {@code S3DeliveryObjectCount} $0.005 per 1,000 objects, {@code MetadataProcessingDuration} $0.07 per JQ hour).
 */
class FirehoseDynamicPartitioningPriceTest {
    private static final BigDecimal GIB = BigDecimal.valueOf(1L << 30);

    @Test
    void perMillionCalls_asDeployed_firehoseLineIncludesDynamicPartitioningBytes() {
        GatewayCostModel model = GatewayCostModel.create(AwsPrices.US_EAST_1);
        CallProfile deployed = CallProfile.measured(1, 4_053, 1024, false, CallProfile.Delivery.FIREHOSE);

        BigDecimal firehose = model.perMillionCalls(deployed).of(AwsService.FIREHOSE);

        // ingestion: each record billed as 5 KB at $0.029 per GB
        BigDecimal ingestion = BigDecimal.valueOf(5 * 1024L * 1_000_000L)
                .divide(GIB, MathContext.DECIMAL64)
                .multiply(new BigDecimal("0.029"));
        // dynamic partitioning: at least the bytes delivered (the records themselves) at $0.02 per GB; objects and JQ
        // hours are left out of this lower bound
        BigDecimal partitionedBytes = BigDecimal.valueOf(CallProfile.USAGE_RECORD_BYTES * 1_000_000L)
                .divide(GIB, MathContext.DECIMAL64)
                .multiply(new BigDecimal("0.02"));
        assertThat(firehose)
                .as(
                        "Firehose per million calls as deployed: ingestion $%s plus dynamic partitioning at least $%s",
                        ingestion.round(new MathContext(4)), partitionedBytes.round(new MathContext(4)))
                .isGreaterThanOrEqualTo(ingestion.add(partitionedBytes).subtract(new BigDecimal("0.0001")));
    }
}
