package dev.spendgate.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code budgets/policies.json} is kept across versions and read by every gateway on the data directory. Since
 * b61cdc67 a shard count changed mid-period waits for the period's end: within the period the spend so far sits on
 * the items of the count in force, and new shards starting empty would admit up to the limit again (README, Budgets;
 * {@link BudgetPolicy#replacing}). The file still says {@code "version": 1}, but its {@code shards} now holds the
 * count from the period's end, the count in force moving to a new {@code previousShards}. A gateway of the version
 * before (4a56b2d7, the same {@code "version": 1} reader: {@code version}, then {@code shards}, unknown fields
 * ignored) reads a pending change as the count in force, so a roll-back admits the spent money again. Either
 * {@code shards} keeps meaning the count in force, or the format's version moves so that older readers refuse it.
 */
class PolicyFileOlderReaderReviewTest {
    @TempDir
    Path dir;

    @Test
    void pendingShardChange_readByTheVersion1Reader_isNotTheCountInForce() throws Exception {
        Path file = dir.resolve("budgets").resolve("policies.json");
        FileBudgetPolicyStore store = new FileBudgetPolicyStore(file);
        Instant midDecember = Instant.parse("2026-12-05T12:00:00Z");
        BudgetPolicy oneShard = new BudgetPolicy(
                BudgetScope.parse("feature:chatbot"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("100"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                ZoneOffset.UTC,
                1);
        store.put(oneShard);
        BudgetPolicy fourShards = new BudgetPolicy(
                        oneShard.scope(),
                        oneShard.period(),
                        oneShard.limitUsd(),
                        oneShard.mode(),
                        null,
                        null,
                        ZoneOffset.UTC,
                        4)
                .replacing(store.find(oneShard.id()).orElseThrow(), midDecember);
        store.put(fourShards);
        assertThat(fourShards.inForceAt(midDecember).shards())
                .as("this version: the count in force until January")
                .isEqualTo(1);

        // the reader of the version before (FileBudgetPolicyStore at 4a56b2d7): version 1, then "shards"
        JsonNode root = new ObjectMapper().readTree(Files.readAllBytes(file));
        boolean olderReaderAccepts = root.path("version").asInt(-1) == 1;
        int olderReadersCount = root.path("policies").get(0).path("shards").asInt(1);

        assertThat(olderReaderAccepts && olderReadersCount != 1)
                .as(
                        "an older gateway takes %s shards as in force in December (file version %s)",
                        olderReadersCount, root.path("version"))
                .isFalse();
    }
}
