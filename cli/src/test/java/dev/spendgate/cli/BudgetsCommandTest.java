package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.embedded.FileBudgetLedger;
import dev.spendgate.embedded.FileBudgetPolicyStore;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetsCommandTest {
    @TempDir
    Path dir;

    @Test
    void set_thenList_showsThePolicyWithItsDefaults() {
        CliRun set = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "feature:chatbot",
                "--period",
                "monthly",
                "--limit-usd",
                "500",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());

        assertThat(set.code()).as(set.err()).isZero();
        assertThat(set.out())
                .contains("feature:chatbot/monthly")
                .contains("fail_closed")
                .contains("[50, 80, 100]");
        BudgetPolicy stored = new FileBudgetPolicyStore(dir.resolve("budgets/policies.json"))
                .find("feature:chatbot/monthly")
                .orElseThrow();
        assertThat(stored.limitUsd()).isEqualByComparingTo("500");
        assertThat(CliRun.of("budgets", "list", "--data-dir", dir.toString()).out())
                .contains("feature:chatbot/monthly")
                .contains("block");
    }

    /** A budget split over shards mid-period keeps its count until the period ends: the command says so. */
    @Test
    void set_shardCountChanged_takesEffectWhenThePeriodEndsAndSaysSo() {
        String[] common = {
            "budgets",
            "set",
            "--scope",
            "global",
            "--period",
            "monthly",
            "--limit-usd",
            "10",
            "--mode",
            "block",
            "--data-dir",
            dir.toString()
        };
        CliRun first = CliRun.of(common);
        CliRun same = CliRun.of(common);
        String[] sharded = java.util.Arrays.copyOf(common, common.length + 2);
        sharded[common.length] = "--shards";
        sharded[common.length + 1] = "4";
        CliRun split = CliRun.of(sharded);

        assertThat(first.err()).doesNotContain("Warning");
        assertThat(same.err()).doesNotContain("Warning");
        assertThat(split.code()).as(split.err()).isZero();
        assertThat(split.err())
                .contains("Warning: the shard count stays 1 until the current monthly period ends and becomes 4 from");
        BudgetPolicy stored = new FileBudgetPolicyStore(dir.resolve("budgets/policies.json"))
                .find("global/monthly")
                .orElseThrow();
        assertThat(stored.shards()).isEqualTo(4);
        assertThat(stored.previousShards()).isEqualTo(1);
        assertThat(stored.shardsFrom()).isAfter(java.time.Instant.now());
    }

    @Test
    void status_showsSpentInFlightRemainingAndForecastFromTheLedger() {
        CliRun.of(
                "budgets",
                "set",
                "--scope",
                "department:engineering",
                "--period",
                "monthly",
                "--limit-usd",
                "5000",
                "--mode",
                "degrade",
                "--data-dir",
                dir.toString());
        BudgetPolicy policy = new FileBudgetPolicyStore(dir.resolve("budgets/policies.json"))
                .find("department:engineering/monthly")
                .orElseThrow();
        try (FileBudgetLedger ledger = new FileBudgetLedger(dir.resolve("budgets/ledger.json"))) {
            String item = policy.itemKey("engineering", Instant.now());
            ledger.reserve(item, policy.limitUsd(), new BigDecimal("12.5"));
            ledger.settle(item, new BigDecimal("12.5"), new BigDecimal("10.25"));
            ledger.reserve(item, policy.limitUsd(), new BigDecimal("3"));
        }

        CliRun status = CliRun.of("budgets", "status", "--data-dir", dir.toString());

        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out())
                .containsPattern(
                        "department:engineering/monthly\\s+\\d{4}-\\d{2}\\s+5000\\s+10\\.2500\\s+3\\.0000\\s+4986\\.7500");
    }

    /**
     * A monthly budget in America/Los_Angeles counts its month from 08:00 UTC on the 1st: status names the zone beside
     * the period, so its "2026-12" does not read as the UTC month usage and the reports count.
     */
    @Test
    void status_budgetInAnotherTimeZone_namesTheZoneItsPeriodIsCountedIn() {
        for (String[] b : new String[][] {{"global", "America/Los_Angeles"}, {"feature:chatbot", "UTC"}}) {
            CliRun set = CliRun.of(
                    "budgets",
                    "set",
                    "--scope",
                    b[0],
                    "--period",
                    "monthly",
                    "--limit-usd",
                    "1000",
                    "--mode",
                    "alert",
                    "--time-zone",
                    b[1],
                    "--data-dir",
                    dir.toString());
            assertThat(set.code()).as(set.err()).isZero();
        }

        CliRun status = CliRun.of("budgets", "status", "--data-dir", dir.toString());

        assertThat(status.code()).as(status.err()).isZero();
        assertThat(status.out().lines().findFirst().orElseThrow()).endsWith("TIME_ZONE");
        assertThat(status.out())
                .containsPattern("(?m)^global/monthly\\s.*\\sAmerica/Los_Angeles$")
                .containsPattern("(?m)^feature:chatbot/monthly\\s.*\\sUTC$");
    }

    /**
     * A per-feature daily budget (each feature its own) moved from UTC to a zone whose date differs from UTC's now:
     * the change waits for the UTC day's end, so status names the UTC day the spend is counted on, not the pending
     * zone's date. Kiritimati (UTC+14) is a day ahead from 10:00 UTC, Etc/GMT+12 (UTC-12) a day behind until noon.
     */
    @Test
    void status_eachScopeWithPendingTimeZone_namesThePeriodOfTheZoneInForce() {
        Instant before = Instant.now();
        String pending = before.atZone(java.time.ZoneOffset.UTC).getHour() >= 10 ? "Pacific/Kiritimati" : "Etc/GMT+12";
        for (String zone : new String[] {"UTC", pending}) {
            CliRun set = CliRun.of(
                    "budgets",
                    "set",
                    "--scope",
                    "feature:*",
                    "--period",
                    "daily",
                    "--limit-usd",
                    "10",
                    "--mode",
                    "alert",
                    "--time-zone",
                    zone,
                    "--data-dir",
                    dir.toString());
            assertThat(set.code()).as(set.err()).isZero();
        }

        CliRun status = CliRun.of("budgets", "status", "--data-dir", dir.toString());
        Instant after = Instant.now();

        assertThat(status.code()).as(status.err()).isZero();
        String row = status.out()
                .lines()
                .filter(l -> l.startsWith("feature:*/daily"))
                .findFirst()
                .orElseThrow();
        assertThat(row)
                .as("the UTC day in force, not the date in " + pending)
                .containsAnyOf(
                        java.time.LocalDate.ofInstant(before, java.time.ZoneOffset.UTC)
                                .toString(),
                        java.time.LocalDate.ofInstant(after, java.time.ZoneOffset.UTC)
                                .toString())
                .doesNotContain(java.time.LocalDate.ofInstant(after, java.time.ZoneId.of(pending))
                        .toString());
    }

    @Test
    void set_badInput_namesTheProblem() {
        CliRun badScope = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "colour:red",
                "--period",
                "monthly",
                "--limit-usd",
                "5",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());
        CliRun badLimit = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "global",
                "--period",
                "monthly",
                "--limit-usd",
                "five",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());
        CliRun badMode = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "global",
                "--period",
                "weekly",
                "--limit-usd",
                "5",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());

        assertThat(badScope.code()).isEqualTo(2);
        assertThat(badScope.err()).contains("unknown scope type");
        assertThat(badLimit.err()).contains("--limit-usd");
        assertThat(badMode.err()).contains("unknown period");
    }

    /**
     * A key: budget naming the key's name where its id belongs would govern nothing (key ids are random): refused,
     * naming the id to use, and nothing stored; the key's id is taken.
     */
    @Test
    void set_keyScopeNamingNoKey_isRefusedNamingTheKeysId() {
        CliRun.of("keys", "create", "--name", "chatbot-prod", "--environment", "prod", "--data-dir", dir.toString());
        String id = new dev.spendgate.embedded.FileKeyStore(dir.resolve("keys.json"))
                .list()
                .get(0)
                .id();

        CliRun byName = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "key:chatbot-prod",
                "--period",
                "monthly",
                "--limit-usd",
                "0",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());
        CliRun byId = CliRun.of(
                "budgets",
                "set",
                "--scope",
                "key:" + id,
                "--period",
                "monthly",
                "--limit-usd",
                "0",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());

        assertThat(byName.code()).as(byName.err()).isEqualTo(2);
        assertThat(byName.err())
                .contains("--scope")
                .contains("no key has the id 'chatbot-prod'")
                .contains(id);
        assertThat(byId.code()).as(byId.err()).isZero();
        assertThat(new FileBudgetPolicyStore(dir.resolve("budgets/policies.json")).list())
                .singleElement()
                .satisfies(p -> assertThat(p.id()).isEqualTo("key:" + id + "/monthly"));
    }

    @Test
    void delete_removesThePolicyAndUnknownOneFails() {
        CliRun.of(
                "budgets",
                "set",
                "--scope",
                "run:*",
                "--period",
                "lifetime",
                "--limit-usd",
                "2",
                "--mode",
                "block",
                "--data-dir",
                dir.toString());

        assertThat(CliRun.of(
                                "budgets",
                                "delete",
                                "--scope",
                                "run:*",
                                "--period",
                                "lifetime",
                                "--data-dir",
                                dir.toString())
                        .code())
                .isZero();
        CliRun again = CliRun.of(
                "budgets", "delete", "--scope", "run:*", "--period", "lifetime", "--data-dir", dir.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("no budget run:*/lifetime");
    }
}
