package dev.spendgate.embedded;

import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.testing.contract.AlertOutboxContract;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.io.TempDir;

class FileAlertOutboxContractTest extends AlertOutboxContract {
    @TempDir
    Path dir;

    @Override
    protected AlertOutbox newOutbox(Clock clock) {
        return new FileAlertOutbox(dir.resolve("alerts-outbox"), clock);
    }

    @Override
    protected AlertOutbox reopen(Clock clock) {
        return new FileAlertOutbox(dir.resolve("alerts-outbox"), clock);
    }

    /** One gateway process owns a data directory: it takes every left-over. */
    @Override
    protected boolean sharesClaims() {
        return false;
    }
}
