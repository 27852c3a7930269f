package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.routing.GatewayPolicy;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdvisorCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private List<String> findingIds(String month, String from, String to, String category) throws Exception {
        Path out = dir.resolve("findings-" + month + ".json");
        CliRun waste =
                CliRun.of("waste", "--from", from, "--to", to, "--out", out.toString(), "--data-dir", dir.toString());
        assertThat(waste.code()).as(waste.err()).isZero();
        List<String> ids = new ArrayList<>();
        for (JsonNode f : JSON.readTree(Files.readAllBytes(out)).get("findings")) {
            if (f.get("category").asText().equals(category)) {
                ids.add(f.get("id").asText());
            }
        }
        return ids;
    }

    private static BigDecimal dollars(String text, String label) {
        Matcher m = Pattern.compile(Pattern.quote(label) + " \\$([0-9.]+)").matcher(text);
        assertThat(m.find()).as(text).isTrue();
        return new BigDecimal(m.group(1));
    }

    @Test
    void apply_modelMismatchAndCacheFindings_changeEnforcementAndTheNextMonthShowsTheRecovery() throws Exception {
        CliRun october = CliRun.of(
                "simulate", "--month", "2026-10", "--seed", "7", "--calls", "5000", "--data-dir", dir.toString());
        assertThat(october.code()).as(october.err()).isZero();
        List<String> mismatch = findingIds("2026-10", "2026-10-01", "2026-11-01", "model_mismatch");
        List<String> cacheMiss = findingIds("2026-10", "2026-10-01", "2026-11-01", "cache_miss");
        assertThat(mismatch).isNotEmpty();
        assertThat(cacheMiss).isNotEmpty();
        Path policyFile = dir.resolve("policy/gateway-policy.json");

        CliRun dry = CliRun.of(
                "advisor",
                "apply",
                mismatch.get(0),
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--dry-run",
                "--data-dir",
                dir.toString());

        assertThat(dry.code()).as(dry.err()).isZero();
        assertThat(dollars(dry.out(), "would have saved")).isPositive();
        assertThat(dry.out()).contains("Dry run: nothing changed.");
        assertThat(policyFile).doesNotExist();

        CliRun route = CliRun.of(
                "advisor",
                "apply",
                mismatch.get(0),
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--by",
                "alice",
                "--data-dir",
                dir.toString());
        CliRun cache = CliRun.of(
                "advisor",
                "apply",
                cacheMiss.get(0),
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--by",
                "bob",
                "--data-dir",
                dir.toString());

        assertThat(route.code()).as(route.err()).isZero();
        assertThat(cache.code()).as(cache.err()).isZero();
        assertThat(route.out().indexOf("would have saved"))
                .isLessThan(route.out().indexOf("Applied by alice"));
        GatewayPolicy policy = GatewayPolicy.parse(Files.readAllBytes(policyFile));
        assertThat(policy.routes()).singleElement().satisfies(r -> assertThat(r.findingId())
                .isEqualTo(mismatch.get(0)));
        assertThat(policy.cache()).singleElement().satisfies(c -> assertThat(c.findingId())
                .isEqualTo(cacheMiss.get(0)));
        assertThat(policy.applied())
                .extracting(a -> a.findingId() + " " + a.appliedBy())
                .containsExactly(mismatch.get(0) + " alice", cacheMiss.get(0) + " bob");
        assertThat(policy.allows(
                        policy.routes().get(0).from(), policy.routes().get(0).to()))
                .isTrue();

        CliRun november = CliRun.of(
                "simulate",
                "--month",
                "2026-11",
                "--seed",
                "8",
                "--calls",
                "5000",
                "--through-gateway-policy",
                "--data-dir",
                dir.toString());
        assertThat(november.code()).as(november.err()).isZero();
        assertThat(november.out()).contains("Served under the gateway policy");
        CliRun status = CliRun.of(
                "advisor", "status", "--from", "2026-11-01", "--to", "2026-12-01", "--data-dir", dir.toString());

        assertThat(status.code()).as(status.err()).isZero();
        String[] lines = status.out().split("\n");
        for (String id : List.of(mismatch.get(0), cacheMiss.get(0))) {
            String line = java.util.Arrays.stream(lines)
                    .filter(l -> l.startsWith(id))
                    .findFirst()
                    .orElseThrow();
            String[] cells = line.trim().split("\\s+");
            assertThat(Long.parseLong(cells[cells.length - 2])).as(line).isPositive();
            assertThat(new BigDecimal(cells[cells.length - 1])).as(line).isPositive();
        }
        assertThat(findingIds("2026-11", "2026-11-01", "2026-12-01", "model_mismatch"))
                .doesNotContain(mismatch.get(0));
    }

    @Test
    void apply_findingWithoutAGatewayFix_isRefusedWithWhatToDo() throws Exception {
        CliRun october = CliRun.of(
                "simulate", "--month", "2026-10", "--seed", "7", "--calls", "5000", "--data-dir", dir.toString());
        assertThat(october.code()).as(october.err()).isZero();
        String retry =
                findingIds("2026-10", "2026-10-01", "2026-11-01", "retry_waste").get(0);

        CliRun refused = CliRun.of(
                "advisor", "apply", retry, "--from", "2026-10-01", "--to", "2026-11-01", "--data-dir", dir.toString());
        CliRun unknown = CliRun.of(
                "advisor",
                "apply",
                "model_mismatch/nope",
                "--from",
                "2026-10-01",
                "--to",
                "2026-11-01",
                "--data-dir",
                dir.toString());

        assertThat(refused.code()).isEqualTo(2);
        assertThat(refused.err()).contains("is not fixed by a gateway policy");
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("no finding model_mismatch/nope").contains("model_mismatch/");
        assertThat(dir.resolve("policy/gateway-policy.json")).doesNotExist();
    }

    @Test
    void apply_twoFindingsPlannedAgainstTheSamePolicy_bothChangesLand() throws Exception {
        // the console and `advisor apply` each plan from the policy they read, then write: the second write must not
        // drop the first one's change
        CliRun october = CliRun.of(
                "simulate", "--month", "2026-10", "--seed", "7", "--calls", "5000", "--data-dir", dir.toString());
        assertThat(october.code()).as(october.err()).isZero();
        SpendgateCli.DataDirOption data = new SpendgateCli.DataDirOption();
        data.dataDir = dir;
        java.time.Instant from = java.time.Instant.parse("2026-10-01T00:00:00Z");
        java.time.Instant to = java.time.Instant.parse("2026-11-01T00:00:00Z");
        dev.spendgate.domain.pricing.PricingCatalog catalog = dev.spendgate.domain.pricing.PricingCatalog.bundled();
        dev.spendgate.embedded.FileSystemObjectStore usage = new dev.spendgate.embedded.FileSystemObjectStore(dir);
        dev.spendgate.domain.waste.WasteReport report = dev.spendgate.domain.waste.WasteAnalyzer.create(
                        catalog,
                        new dev.spendgate.domain.waste.Governance(
                                KeysCommand.store(data).list(),
                                BudgetsCommand.policies(data).list()),
                        java.time.Clock.fixed(to, java.time.ZoneOffset.UTC))
                .analyze(usage, new dev.spendgate.domain.waste.WasteWindow(from, to));
        String mismatch = findingIds("2026-10", "2026-10-01", "2026-11-01", "model_mismatch")
                .get(0);
        String cacheMiss =
                findingIds("2026-10", "2026-10-01", "2026-11-01", "cache_miss").get(0);
        dev.spendgate.domain.routing.GatewayPolicyStore store = AdvisorCommand.policyStore(data);

        FindingApply.Plan route = FindingApply.plan(report, mismatch, null, catalog, store, usage, from, to);
        FindingApply.Plan cache = FindingApply.plan(report, cacheMiss, null, catalog, store, usage, from, to);
        FindingApply.apply(route, store, "console:alice", to);
        FindingApply.apply(cache, store, "bob", to);

        GatewayPolicy policy = store.load();
        assertThat(policy.routes()).singleElement().satisfies(r -> assertThat(r.findingId())
                .isEqualTo(mismatch));
        assertThat(policy.cache()).singleElement().satisfies(c -> assertThat(c.findingId())
                .isEqualTo(cacheMiss));
        assertThat(policy.applied())
                .extracting(a -> a.findingId() + " " + a.appliedBy())
                .containsExactly(mismatch + " console:alice", cacheMiss + " bob");
    }
}
