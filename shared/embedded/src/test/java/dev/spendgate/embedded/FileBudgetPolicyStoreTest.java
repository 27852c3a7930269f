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
