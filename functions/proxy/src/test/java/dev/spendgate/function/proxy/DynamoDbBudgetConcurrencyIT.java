package dev.spendgate.function.proxy;

import dev.spendgate.aws.dynamodb.DynamoDbTables;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.lambda.AwsGatewayRuntime;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.nio.file.Path;
import java.util.Map;

/** The budget concurrency proof on the DynamoDB ledger, against dynalite (DynamoDB's wire protocol, no Docker). */
class DynamoDbBudgetConcurrencyIT extends BudgetConcurrencyContract {
    @Override
    GatewayFixture start(Path dir) {
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), table);
        return GatewayFixture.with(
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                AwsGatewayRuntime.budgets(dynamo.client(), table, new LogAlertSink()),
                Map.of());
    }
}
