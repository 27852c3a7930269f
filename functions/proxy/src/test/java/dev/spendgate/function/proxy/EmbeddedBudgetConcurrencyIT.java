package dev.spendgate.function.proxy;

import java.nio.file.Path;

/** The budget concurrency proof on the embedded ledger of {@code ./spendgate local}. */
class EmbeddedBudgetConcurrencyIT extends BudgetConcurrencyContract {
    @Override
    GatewayFixture start(Path dir) {
        return GatewayFixture.embedded(dir);
    }
}
