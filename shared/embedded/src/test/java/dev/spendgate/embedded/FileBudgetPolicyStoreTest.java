package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.testing.contract.BudgetPolicyStoreContract;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBudgetPolicyStoreTest extends BudgetPolicyStoreContract {
    @TempDir
    Path dir;

    @Override
    protected BudgetPolicyStore newStore() {
        return new FileBudgetPolicyStore(dir.resolve("budgets.json"));
    }

    @Override
    protected BudgetPolicyStore reopenStore() {
        return new FileBudgetPolicyStore(dir.resolve("budgets.json"));
    }

    @Test
    void put_writesReadableJsonWithTheLimitAsAnExactString() throws IOException {
        new FileBudgetPolicyStore(dir.resolve("budgets.json"))
                .put(policy("feature:chatbot", BudgetPeriod.MONTHLY, "100.50"));

        String json = Files.readString(dir.resolve("budgets.json"));
        assertThat(json)
                .contains("\"scope\" : \"feature:chatbot\"")
                .contains("\"limitUsd\" : \"100.50\"")
                .contains("\"onStoreError\" : \"fail_closed\"")
                .contains("\"zone\" : \"Z\"");
    }

    /**
     * A version 1 file this version wrote before pending changes moved the file to version 2 (b61cdc67 and after):
     * {@code shards} is the count from {@code shardsFrom}, {@code previousShards} the one in force until then.
     */
    @Test
    void find_version1FileWithAPendingShardChange_readsTheCountInForceAsBefore() throws IOException {
        Files.writeString(dir.resolve("budgets.json"), """
                {"version": 1, "policies": [
                  {"scope": "feature:chatbot", "period": "monthly", "limitUsd": "100", "mode": "block",
                   "zone": "Z", "shards": 4, "previousShards": 1, "shardsFrom": "2027-01-01T00:00:00Z"}]}
                """);

        BudgetPolicy policy = new FileBudgetPolicyStore(dir.resolve("budgets.json"))
                .find("feature:chatbot/monthly")
                .orElseThrow();

        assertThat(policy.inForceAt(java.time.Instant.parse("2026-12-05T12:00:00Z"))
                        .shards())
                .isEqualTo(1);
        assertThat(policy.inForceAt(java.time.Instant.parse("2027-01-01T00:00:00Z"))
                        .shards())
                .isEqualTo(4);
    }

    @Test
    void put_pendingChangeThenSetAgainAfterIt_fileBackToVersion1() throws IOException {
        FileBudgetPolicyStore store = new FileBudgetPolicyStore(dir.resolve("budgets.json"));
        BudgetPolicy one = new BudgetPolicy(
                dev.spendgate.domain.budget.BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("100"),
                Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC,
                1);
        store.put(one);
        assertThat(Files.readString(dir.resolve("budgets.json"))).contains("\"version\" : 1");
        BudgetPolicy four = new BudgetPolicy(
                        one.scope(), one.period(), one.limitUsd(), one.mode(), null, null, ZoneOffset.UTC, 4)
                .replacing(one, java.time.Instant.parse("2026-12-05T12:00:00Z"));
        store.put(four);
        assertThat(Files.readString(dir.resolve("budgets.json")))
                .as("older versions refuse it rather than take 4 shards as in force")
                .contains("\"version\" : 2");

        store.put(new BudgetPolicy(one.scope(), one.period(), one.limitUsd(), one.mode(), null, null, ZoneOffset.UTC, 4)
                .replacing(four, java.time.Instant.parse("2027-01-02T00:00:00Z")));

        assertThat(Files.readString(dir.resolve("budgets.json"))).contains("\"version\" : 1");
        assertThat(store.find(one.id()).orElseThrow().shards()).isEqualTo(4);
    }

    @Test
    void list_noFileYet_thenAnotherProcessWritesOne_seenWithinASecond() throws Exception {
        FileBudgetPolicyStore server = new FileBudgetPolicyStore(dir.resolve("budgets.json"));
        assertThat(server.list()).isEmpty();

        Files.writeString(dir.resolve("budgets.json"), """
                {"version": 1, "policies": [
                  {"scope": "feature:chatbot", "period": "monthly", "limitUsd": "10", "mode": "block"}]}
                """);

        long deadline = System.nanoTime() + 2_000_000_000L;
        while (server.list().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(server.list()).extracting(p -> p.scope().toString()).containsExactly("feature:chatbot");
    }

    @Test
    void find_fileWrittenByHandWithDefaultsLeftOut_appliesTheDefaults() throws IOException {
        Files.writeString(dir.resolve("budgets.json"), """
                {"version": 1, "policies": [
                  {"scope": "feature:chatbot", "period": "monthly", "limitUsd": 1234.5678, "mode": "alert"}]}
                """);

        assertThat(new FileBudgetPolicyStore(dir.resolve("budgets.json")).find("feature:chatbot/monthly"))
                .hasValueSatisfying(p -> {
                    assertThat(p.limitUsd()).isEqualTo(new BigDecimal("1234.5678"));
                    assertThat(p.mode()).isEqualTo(Mode.ALERT);
                    assertThat(p.alertAt()).isEqualTo(BudgetPolicy.DEFAULT_ALERTS);
                    assertThat(p.onStoreError()).isEqualTo(OnStoreError.FAIL_OPEN);
                    assertThat(p.zone()).isEqualTo(ZoneOffset.UTC);
                });
    }

    @Test
    void list_corruptFile_throwsIllegalStateExceptionNamingTheFile() throws IOException {
        Files.writeString(dir.resolve("budgets.json"), "{not json");

        assertThatThrownBy(() -> new FileBudgetPolicyStore(dir.resolve("budgets.json")).list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("budgets.json");
    }

    @Test
    void list_invalidPolicyInFile_throwsIllegalStateExceptionWithTheReason() throws IOException {
        Files.writeString(dir.resolve("budgets.json"), """
                {"version": 1, "policies": [
                  {"scope": "feature:chatbot", "period": "weekly", "limitUsd": "1", "mode": "block"}]}
                """);

        assertThatThrownBy(() -> new FileBudgetPolicyStore(dir.resolve("budgets.json")).list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("budgets.json")
                .hasMessageContaining("weekly");
    }

    @Test
    void list_handEditedFieldMisspelt_refusedNamingItRatherThanFailingOpen() throws IOException {
        Files.writeString(dir.resolve("budgets.json"), """
                {"version": 1, "policies": [
                  {"scope": "feature:chatbot", "period": "monthly", "limitUsd": "10", "mode": "block",
                   "onStoreEror": "fail_closed"}]}
                """);

        assertThatThrownBy(() -> new FileBudgetPolicyStore(dir.resolve("budgets.json")).list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("budgets.json")
                .hasMessageContaining("policy 1 (feature:chatbot)")
                .hasMessageContaining("\"onStoreEror\"");
    }

    @Test
    void list_policiesListMisspelt_refusedRatherThanNoBudgets() throws IOException {
        Files.writeString(dir.resolve("budgets.json"), """
                {"version": 1, "policy": [
                  {"scope": "global", "period": "monthly", "limitUsd": "10", "mode": "block"}]}
                """);

        assertThatThrownBy(() -> new FileBudgetPolicyStore(dir.resolve("budgets.json")).list())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("budgets.json")
                .hasMessageContaining("\"policy\"");
    }
}
