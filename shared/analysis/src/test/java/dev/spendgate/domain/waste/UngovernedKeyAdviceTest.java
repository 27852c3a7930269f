package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyLabels;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.pricing.ModelPrice;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogReader.ReadStats;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The commands the ungoverned-key findings advise: one shell word per key name whatever it holds, a replacement name
 * {@code keys create} takes, the admin API for a deployment (whose tables the CLI does not reach), and for a revoked
 * key no command at all but its replacement.
 */
class UngovernedKeyAdviceTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final LocalDate DAY = LocalDate.of(2026, 10, 2);
    private int ids;

    @Test
    void multipleEnvironments_longNameWithAQuote_advisesOneShellWordKeysCreateTakes() throws Exception {
        String name = "bob's " + "x".repeat(KeyLabels.MAX_NAME - 6);
        ProxyKey key = key("key_0a1b2c3d4e5f", name, true);

        String advice = recommendation(new Governance(List.of(key), List.of()), key, "staging", "keys create");

        String command =
                advice.substring(advice.indexOf("./spendgate keys create"), advice.indexOf(", move that traffic"));
        List<String> words = shellWords(command);
        String newName = words.get(words.indexOf("--name") + 1);
        assertThat(newName).as("advice: %s", advice).startsWith("bob's xxx").endsWith("-staging");
        assertThat(KeyLabels.validName(newName)).as(newName).isTrue();
        assertThat(words).containsSubsequence("--environment", "staging");
    }

    @Test
    void deployed_advisesTheAdminApiNotTheLocalCli() {
        ProxyKey key = key("key_0a1b2c3d4e5f", "support bot", true);
        Governance deployed = new Governance(List.of(key), List.of()).deployed();

        String environments = recommendation(deployed, key, "staging", "Give each environment");
        String budget = recommendation(deployed, key, "staging", "under a budget");

        assertThat(environments)
                .contains("POST /admin/keys with {\"name\":\"support bot-staging\",\"environment\":\"staging\"}")
                .doesNotContain("./spendgate");
        assertThat(budget)
                .contains("PUT /admin/budgets with {\"scope\":\"key:key_0a1b2c3d4e5f\",\"period\":\"monthly\","
                        + "\"limit_usd\":")
                .doesNotContain("./spendgate");
    }

    @Test
    void revokedKey_namesItsEnabledReplacementAndAdvisesNoCommand() {
        ProxyKey old = key("key_0a1b2c3d4e5f", "support bot", false);
        ProxyKey replacement = key("key_99aa88bb77cc", "support bot", true);

        String advice =
                recommendation(new Governance(List.of(old, replacement), List.of()), old, "staging", "is revoked");

        assertThat(advice)
                .contains("key_99aa88bb77cc (same name)")
                .doesNotContain("./spendgate")
                .doesNotContain("keys create");
    }

    /** The recommendation containing {@code marker} of 12 calls of {@code key} from {@code environment}. */
    private String recommendation(Governance governance, ProxyKey key, String environment, String marker) {
        WasteAnalyzer analyzer = WasteAnalyzer.create(
                CATALOG, governance, Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
        Instant start = DAY.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(9 * 3600);
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(call(key, start.plusSeconds(60L * i), environment));
        }
        WasteAnalyzer.Merge merge = analyzer.merge();
        WasteAnalyzer.Pass pass = analyzer.dayPass(DAY, Map.of());
        records.forEach(pass::accept);
        merge.add(pass.dayAggregate(DAY, new ReadStats(0, records.size(), 0, 0, 0, List.of())));
        WasteReport report = merge.finish(
                new WasteWindow(
                        DAY.atStartOfDay(ZoneOffset.UTC).toInstant(),
                        DAY.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant()),
                List.of());
        return report.findings().stream()
                .filter(f -> f.category() == WasteCategory.UNGOVERNED_KEY)
                .map(Finding::recommendation)
                .filter(r -> r.contains(marker))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no advice with " + marker + " in " + report.findings()));
    }

    private static ProxyKey key(String id, String name, boolean enabled) {
        return new ProxyKey(
                id,
                ProxyKeys.hash("sg-" + id.substring(4).repeat(6)),
                name,
                "prod",
                null,
                new Attribution("faq", "support", null, "prod", null, null, null),
                enabled,
                Instant.parse("2026-09-01T00:00:00Z"));
    }

    private static List<String> shellWords(String command) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder("sh", "-c", "set -- " + command + "; printf '%s\\n' \"$@\"")
                .redirectErrorStream(true)
                .start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).as(out).isZero();
        return out.lines().toList();
    }

    private UsageRecord call(ProxyKey key, Instant t, String environment) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId(key.id())
                .attribution(new Attribution("faq", "support", null, environment, null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested(MINI.model())
                .modelServed(MINI.model())
                .statusCode(200)
                .tokens(tokens)
                .costUsd(MINI.cost(tokens))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .fingerprints(new Fingerprints(null, null, "q-" + ids, null))
                .build();
    }
}
