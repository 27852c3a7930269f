package dev.spendgate.aws;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.aws.LocalS3;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.s3.S3Client;

class AwsClientsIT {
    private static final StaticCredentialsProvider TEST_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("test", "test"));

    @Test
    void s3_endpointOverride_usesPathStyleAgainstLocalServer() {
        LocalS3 local = LocalS3.shared();
        String bucket = local.createUniqueBucket("aws-clients");
        AwsClients clients = AwsClients.create(Region.US_EAST_1, local.endpoint(), TEST_CREDENTIALS);

        try (S3Client s3 = clients.s3()) {
            S3ObjectStore store = new S3ObjectStore(s3, bucket);
            store.put("usage/v1/year=2026/x.ndjson.gz", "x".getBytes(StandardCharsets.UTF_8));

            assertThat(store.list("usage/")).containsExactly("usage/v1/year=2026/x.ndjson.gz");
        }
    }

    @Test
    void dynamoDb_endpointOverride_talksToLocalServer() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        AwsClients clients = AwsClients.create(Region.US_EAST_1, local.endpoint(), TEST_CREDENTIALS);

        try (DynamoDbClient dynamoDb = clients.dynamoDb()) {
            assertThat(dynamoDb.listTables().tableNames()).isNotNull();
        }
    }
}
