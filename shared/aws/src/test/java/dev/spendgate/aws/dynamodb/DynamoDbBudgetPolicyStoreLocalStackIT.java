package dev.spendgate.aws.dynamodb;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.testing.contract.BudgetPolicyStoreContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The budget policy store contract against LocalStack's DynamoDB; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbBudgetPolicyStoreLocalStackIT extends BudgetPolicyStoreContract {
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
    protected BudgetPolicyStore newStore() {
        table = "policies-" + TABLES.incrementAndGet();
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbBudgetPolicyStore(dynamoDb, table);
    }

    @Override
    protected BudgetPolicyStore reopenStore() {
        return new DynamoDbBudgetPolicyStore(dynamoDb, table);
    }
}
