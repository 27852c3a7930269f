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

/** {@link BudgetEdgeRaceReviewIT} on the deployed budget store: the DynamoDB ledger and journal, against dynalite. */
class DynamoDbBudgetEdgeRaceReviewIT extends BudgetEdgeRaceReviewIT {
    @Override
    GatewayFixture start(Path dir, Map<String, String> env) {
        LocalDynamoDb dynamo = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamo.client(), table);
        return GatewayFixture.with(
                new FileKeyStore(dir.resolve("keys.json")),
                new FileSystemObjectStore(dir),
                new FileSystemUsageSpool(dir.resolve("spool")),
                AwsGatewayRuntime.budgets(dynamo.client(), table, new LogAlertSink()),
                env);
    }
}
