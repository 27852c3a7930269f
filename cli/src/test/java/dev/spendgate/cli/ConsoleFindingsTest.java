package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.console.FindingsPage;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local findings page rendered straight from a data directory, as {@code ./spendgate local} wires it. */
class ConsoleFindingsTest {
    private static final Instant NOW = Instant.parse("2026-12-05T23:41:07Z");

    @TempDir
    Path dataDir;

    private FileBudgetPolicyStore policies;

    @BeforeEach
    void stores() {
        policies = new FileBudgetPolicyStore(dataDir.resolve("budgets").resolve("policies.json"));
    }

    private ConsoleFindings page(Clock clock) {
        return new ConsoleFindings(new FindingsPage.Sources(
                new FileSystemObjectStore(dataDir),
                new FileKeyStore(dataDir.resolve("keys.json")),
                policies,
                PricingCatalog.bundled(),
                clock));
    }

    @Test
    void render_saysWhenTheAnalysisWasComputedAndUpToWhere() {
        String html = page(Clock.fixed(NOW, ZoneOffset.UTC)).render();

        assertThat(html).contains("Computed at 23:41 UTC on 2026-12-05 from the log up to 2026-12-05T00:00:00Z");
    }

    @Test
    void render_budgetSetWithinFiveMinutes_computesAfreshInsteadOfShowingTheKeptAnalysis() {
        MovingClock clock = new MovingClock(NOW);
        ConsoleFindings page = page(clock);
        assertThat(page.render()).contains("Computed at 23:41 UTC");

        clock.now = NOW.plus(Duration.ofMinutes(2));
        assertThat(page.render()).as("kept, nothing changed").contains("Computed at 23:41 UTC");

        policies.put(new BudgetPolicy(
                BudgetScope.parse("global"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("10"),
                BudgetPolicy.Mode.ALERT,
                null,
                null,
                ZoneId.of("UTC")));
        assertThat(page.render()).as("a budget changed").contains("Computed at 23:43 UTC");
    }

    @Test
    void render_brokenChargebackRulesInTheDataDir_saysOwnersNameNoCostCentreAndWhy() throws Exception {
        Files.writeString(dataDir.resolve("chargeback-rules.json"), "{not json", StandardCharsets.UTF_8);

        String html = page(Clock.fixed(NOW, ZoneOffset.UTC)).render();

        assertThat(html)
                .contains("Chargeback rules not applied, so owners name no cost centre")
                .contains("chargeback-rules.json");
    }

    /** A clock the test moves. */
    private static final class MovingClock extends Clock {
        volatile Instant now;

        MovingClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
