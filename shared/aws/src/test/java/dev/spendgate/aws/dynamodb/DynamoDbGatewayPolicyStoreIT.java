package dev.spendgate.aws.dynamodb;

import dev.spendgate.domain.routing.GatewayPolicyStore;
import dev.spendgate.testing.aws.LocalDynamoDb;
import dev.spendgate.testing.contract.GatewayPolicyStoreContract;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;

class DynamoDbGatewayPolicyStoreIT extends GatewayPolicyStoreContract {
    private final DynamoDbClient dynamoDb = LocalDynamoDb.shared().client();
    private String table;

    @Override
    protected GatewayPolicyStore newStore() {
        table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbTables.createBudgetsTable(dynamoDb, table);
        return new DynamoDbGatewayPolicyStore(dynamoDb, table);
    }

    @Override
    protected GatewayPolicyStore reopenStore() {
        return new DynamoDbGatewayPolicyStore(dynamoDb, table);
    }
}
