package dev.spendgate.function.proxy.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hand-edited budgets file with a misspelt field. Before, the gateway started and ran on the defaults the typo left
 * in force (a fail_closed budget failing open, a zone read as UTC); a misspelt "policies" list ran with no budgets.
 */
class LocalBudgetFileStartTest {
    @TempDir
    Path dataDir;

    @Test
    void start_policyFieldMisspelt_refusedNamingIt_thenStartsOnceFixed() throws Exception {
        Path file = dataDir.resolve("budgets/policies.json");
        Files.createDirectories(file.getParent());
        Files.writeString(file, """
                {"version": 1, "policies": [{"scope": "global", "period": "monthly", "limitUsd": "10",
                  "mode": "block", "timeZone": "Europe/Berlin"}]}
                """);

        assertThatThrownBy(() -> LocalGatewayRuntime.budgets(dataDir, new LogAlertSink()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("policies.json")
                .hasMessageContaining("\"timeZone\"");

        Files.writeString(file, """
                {"version": 1, "policies": [{"scope": "global", "period": "monthly", "limitUsd": "10",
                  "mode": "block", "zone": "Europe/Berlin"}]}
                """);
        BudgetStores stores = LocalGatewayRuntime.budgets(dataDir, new LogAlertSink());
        try {
            assertThat(stores.policies().list())
                    .singleElement()
                    .satisfies(p -> assertThat(p.zone().getId()).isEqualTo("Europe/Berlin"));
        } finally {
            stores.close();
        }
    }
}
