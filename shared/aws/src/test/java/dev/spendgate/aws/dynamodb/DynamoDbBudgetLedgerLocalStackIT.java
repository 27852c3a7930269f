package dev.spendgate.aws.dynamodb;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.budget.BudgetLedger;
import dev.spendgate.testing.contract.BudgetLedgerContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The budget ledger contract against LocalStack's DynamoDB; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbBudgetLedgerLocalStackIT extends BudgetLedgerContract {
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
    protected BudgetLedger newLedger() {
        table = "ledger-" + TABLES.incrementAndGet();
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbBudgetLedger(dynamoDb, table);
    }

    @Override
    protected BudgetLedger reopenLedger() {
        return new DynamoDbBudgetLedger(dynamoDb, table);
    }
}
