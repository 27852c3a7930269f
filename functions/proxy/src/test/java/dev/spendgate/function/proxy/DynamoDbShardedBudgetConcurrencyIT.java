package dev.spendgate.function.proxy;

/**
 * The budget concurrency proof on a budget split over four DynamoDB items (the hot-budget design): the shards
 * together still never let settled spend pass the limit.
 */
class DynamoDbShardedBudgetConcurrencyIT extends DynamoDbBudgetConcurrencyIT {
    @Override
    int shards() {
        return 4;
    }
}
