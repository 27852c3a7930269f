package dev.spendgate.aws.dynamodb;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.budget.OnceMarker;
import dev.spendgate.testing.contract.OnceMarkerContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The once marker contract against LocalStack's DynamoDB; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbOnceMarkerLocalStackIT extends OnceMarkerContract {
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
    protected OnceMarker newMarker() {
        table = "markers-" + TABLES.incrementAndGet();
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbOnceMarker(dynamoDb, table);
    }

    @Override
    protected OnceMarker reopenMarker() {
        return new DynamoDbOnceMarker(dynamoDb, table);
    }
}
