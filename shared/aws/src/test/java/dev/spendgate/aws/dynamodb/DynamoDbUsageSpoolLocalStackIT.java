package dev.spendgate.aws.dynamodb;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.testing.contract.UsageSpoolContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The usage spool contract against LocalStack's DynamoDB; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbUsageSpoolLocalStackIT extends UsageSpoolContract {
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static DynamoDbClient dynamoDb;
    private String table;

    @BeforeAll
    static void connect() {
        dynamoDb = SharedLocalStack.clients().dynamoDb();
    }

    @AfterAll
    static void disconnect() {
        dynamoDb.close();
    }

    @Override
    protected UsageSpool newSpool() {
        table = "spool-" + TABLES.incrementAndGet();
        DynamoDbTables.createSpoolTable(dynamoDb, table);
        return new DynamoDbUsageSpool(dynamoDb, table);
    }

    @Override
    protected UsageSpool reopenSpool() {
        return new DynamoDbUsageSpool(dynamoDb, table);
    }
}
