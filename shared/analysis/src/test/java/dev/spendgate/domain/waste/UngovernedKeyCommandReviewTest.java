package dev.spendgate.domain.waste;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
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
 * Review (session 26, proxy keys): the ungoverned-key finding for a key used from another environment advises "Create
 * one with ./spendgate keys create --name NAME-ENV --environment ENV". Key names are for people (README: "a name of
 * 1-128 characters", {@code keys create --name 'support bot'} is taken, and the console's form takes any text), so a
 * name with a space is ordinary. The advice is a command to paste into a shell; it must name the replacement key as
 * one word.
 */
class UngovernedKeyCommandReviewTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final ModelPrice MINI = CATALOG.find("openai", "gpt-4o-mini").orElseThrow();
    private static final LocalDate DAY = LocalDate.of(2026, 10, 2);
    private static final ProxyKey KEY = new ProxyKey(
            "key_0a1b2c3d4e5f",
            ProxyKeys.hash("sg-" + "c".repeat(64)),
            "support bot",
            "prod",
            null,
            new Attribution("faq", "support", null, "prod", null, null, null),
            true,
            Instant.parse("2026-09-01T00:00:00Z"));
    private int ids;

    @Test
    void multipleEnvironments_keyNameWithASpace_theAdvisedCommandNamesTheNewKeyAsOneWord() throws Exception {
        WasteAnalyzer analyzer = WasteAnalyzer.create(
                CATALOG,
                new Governance(List.of(KEY), List.of()),
                Clock.fixed(Instant.parse("2026-10-31T01:00:00Z"), ZoneOffset.UTC));
        Instant start = DAY.atStartOfDay(ZoneOffset.UTC).toInstant().plusSeconds(9 * 3600);
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            records.add(call(start.plusSeconds(60L * i), "staging"));
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

        Finding finding = report.findings().stream()
                .filter(f -> f.category() == WasteCategory.UNGOVERNED_KEY)
                .filter(f -> f.recommendation().contains("keys create --name"))
                .findFirst()
                .orElseThrow();
        String advice = finding.recommendation();
        String command =
                advice.substring(advice.indexOf("./spendgate keys create"), advice.indexOf(", move that traffic"));

        // the words a POSIX shell makes of the pasted command (`set --` only splits and unquotes; nothing runs)
        List<String> words = shellWords(command);
        assertThat(words)
                .as("advice: %s", advice)
                .containsSubsequence("--name", "support bot-staging", "--environment", "staging");
    }

    private static List<String> shellWords(String command) throws IOException, InterruptedException {
        Process sh = new ProcessBuilder("sh", "-c", "set -- " + command + "; printf '%s\\n' \"$@\"")
                .redirectErrorStream(true)
                .start();
        String out = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(sh.waitFor()).as(out).isZero();
        return out.lines().toList();
    }

    private UsageRecord call(Instant t, String environment) {
        TokenUsage tokens = new TokenUsage(600, 0, 0, 0, 300, 0);
        return UsageRecord.builder()
                .requestId("req-" + ids++)
                .tsStart(t)
                .tsEnd(t.plusMillis(800))
                .keyId(KEY.id())
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
