package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetState;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code budgets/ledger.json} is kept across versions. A gateway from before the ledger's journal (4ef19411^) reads
 * and writes the same file, {@code "version": 1}, without {@code journal_seq}, and knows nothing of
 * {@code ledger.json.journal/}. Rolling back a release and forward again (stop, start the older gateway, stop it,
 * start this one) must leave the budget's settled spend what it was: "a budget never admits money already spent",
 * and never counts the same money twice (README, "Durable before done": the call is not charged again at a later
 * start).
 */
class LedgerOlderVersionRoundTripReviewTest {
    private static final String ITEM = "budget#feature:chatbot#monthly#2026-12";

    @TempDir
    Path dir;

    @Test
    void start_afterTheOlderGatewayRewroteTheLedger_countsEachSettlementOnce() throws Exception {
        Path file = dir.resolve("budgets").resolve("ledger.json");
        Files.createDirectories(file.getParent());

        // this version: $5 settled, stopped cleanly (SIGTERM)
        try (FileBudgetLedger ledger = new FileBudgetLedger(file)) {
            ledger.settle(ITEM, BigDecimal.ZERO, new BigDecimal("5.00"));
        }
        assertThat(FileBudgetLedger.readSnapshot(file).get(ITEM).spent()).isEqualByComparingTo("5.00");

        // the older gateway runs on the same data directory: it read the $5, settled $1 more and wrote the file as
        // its serialiser did (FileBudgetLedger at 4ef19411^: version and items, nothing else)
        Files.writeString(file, """
                {
                  "version" : 1,
                  "items" : {
                    "budget#feature:chatbot#monthly#2026-12" : {
                      "spent" : "6.00",
                      "reserved" : "0",
                      "committed" : "6.00"
                    }
                  }
                }""", StandardCharsets.UTF_8);

        // this version again
        try (FileBudgetLedger ledger = new FileBudgetLedger(file)) {
            BudgetState state = ledger.state(ITEM).orElseThrow();
            assertThat(state.spent()).as("settled spend after the roll-forward").isEqualByComparingTo("6.00");
            assertThat(state.committed()).isEqualByComparingTo("6.00");
        }
    }
}
