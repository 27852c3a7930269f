package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.domain.usage.UsageSpool.SpooledBatch;
import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.net.URI;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/**
 * The DynamoDB spool after an outage: every proxy invocation whose records Firehose or S3 refused spilled one batch,
 * and {@code UsageLogWriter.drainSpool} takes them back {@code pending(25)} at a time until none is left. Each page
 * must cost about its 25 batches, not a read of the whole spool: otherwise draining N batches reads the spool N/25
 * times (and DynamoDB bills a Scan by the full items it reads, content included, whatever the projection).
 */
class DynamoDbUsageSpoolScanIT {
    private static final int SPILLED = 300;
    private static final int BATCH_BYTES = 30 * 1024;

    private LocalAwsEndpoint aws;
    private DynamoDbClient direct;
    private DynamoDbClient viaEndpoint;
    private String table;

    @BeforeEach
    void setUp() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        direct = local.client();
        aws = LocalAwsEndpoint.start(local.endpoint(), local.endpoint());
        viaEndpoint = local.clientBuilder()
                .endpointOverride(URI.create(aws.endpoint()))
                .build();
        table = LocalDynamoDb.uniqueTableName("spool");
        DynamoDbTables.createSpoolTable(direct, table);
    }

    @AfterEach
    void tearDown() {
        viaEndpoint.close();
        aws.close();
    }

    @Test
    void pending_oldest25Of300SpilledBatches_readsThoseBatchesNotTheWholeSpool() {
        UsageSpool spilling = new DynamoDbUsageSpool(direct, table);
        Random random = new Random(3);
        for (int i = 0; i < SPILLED; i++) {
            byte[] content = new byte[BATCH_BYTES]; // as stored: gzip, which does not compress further
            random.nextBytes(content);
            spilling.spill(new SpooledBatch(
                    String.format("usage/v1/year=2026/month=12/day=03/hour=10/part-%04d.ndjson.gz", i), content));
        }
        UsageSpool draining = new DynamoDbUsageSpool(viaEndpoint, table);
        int before = aws.dynamoDbRequests().size();

        List<SpooledBatch> page = draining.pending(25);

        List<String> requests =
                aws.dynamoDbRequests().subList(before, aws.dynamoDbRequests().size());
        assertThat(page).hasSize(25);
        assertThat(page.get(0).objectKey()).endsWith("part-0000.ndjson.gz");
        assertThat(requests.stream().filter(r -> r.startsWith("UpdateItem ")).count())
                .as("one claim (which reads the batch) a batch")
                .isEqualTo(25);
        assertThat(requests.stream().filter(r -> !r.startsWith("UpdateItem ")).count())
                .as("requests other than the 25 claims, to find the oldest 25 of %d batches (9 MB)", SPILLED)
                .isLessThanOrEqualTo(2);
    }
}
