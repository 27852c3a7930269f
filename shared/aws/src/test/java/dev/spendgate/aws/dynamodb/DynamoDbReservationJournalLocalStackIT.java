package dev.spendgate.aws.dynamodb;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.budget.ReservationJournal;
import dev.spendgate.testing.contract.ReservationJournalContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The reservation journal contract against LocalStack's DynamoDB; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbReservationJournalLocalStackIT extends ReservationJournalContract {
    private static final AtomicInteger TABLES = new AtomicInteger();
    private static DynamoDbClient dynamoDb;
    private static DynamoDbClient sweeperClient;
    private String table;

    @BeforeAll
    static void connect() {
        dynamoDb = SharedLocalStack.clients().dynamoDb();
        sweeperClient = SharedLocalStack.clients().dynamoDb();
    }

    @AfterAll
    static void disconnect() {
        dynamoDb.close();
        sweeperClient.close();
    }

    @Override
    protected ReservationJournal newJournal() {
        table = "reservations-" + TABLES.incrementAndGet();
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbReservationJournal(dynamoDb, table);
    }

    @Override
    protected ReservationJournal reopenJournal() {
        return new DynamoDbReservationJournal(sweeperClient, table);
    }
}
