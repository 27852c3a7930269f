package dev.spendgate.aws.dynamodb;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.testing.contract.KeyStoreContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

/** The key store contract against LocalStack's DynamoDB; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class DynamoDbKeyStoreLocalStackIT extends KeyStoreContract {
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
    protected KeyStore newStore() {
        table = "keys-" + TABLES.incrementAndGet();
        DynamoDbTables.createKeysTable(dynamoDb, table);
        return new DynamoDbKeyStore(dynamoDb, table);
    }

    @Override
    protected KeyStore reopenStore() {
        return new DynamoDbKeyStore(dynamoDb, table);
    }
}
