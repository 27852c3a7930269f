package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.function.proxy.console.FindingsPage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The local findings page rendered straight from a data directory, as {@code ./spendgate local} wires it. */
class ConsoleFindingsTest {
    private static final Instant NOW = Instant.parse("2026-12-05T23:41:07Z");

    @TempDir
    Path dataDir;

    private ConsoleFindings page(Clock clock) {
        return new ConsoleFindings(new FindingsPage.Sources(
                new FileSystemObjectStore(dataDir),
                new FileKeyStore(dataDir.resolve("keys.json")),
                new FileBudgetPolicyStore(dataDir.resolve("budgets").resolve("policies.json")),
                PricingCatalog.bundled(),
                clock));
    }

    @Test
    void render_brokenChargebackRulesInTheDataDir_saysOwnersNameNoCostCentreAndWhy() throws Exception {
        Files.writeString(dataDir.resolve("chargeback-rules.json"), "{not json", StandardCharsets.UTF_8);

        String html = page(Clock.fixed(NOW, ZoneOffset.UTC)).render();

        assertThat(html)
                .contains("Chargeback rules not applied, so owners name no cost centre")
                .contains("chargeback-rules.json");
    }
}
