package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicy.Mode;
import dev.spendgate.domain.budget.BudgetPolicy.OnStoreError;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.ScanResponse;

/**
 * The deployed proxy keeps budget policies, the response cache's answers (bodies included), rate counters and
 * reservation entries in one table, the stack's budgets table ({@code AwsGatewayRuntime}). Every call's admission
 * lists the policies ({@code BudgetEnforcer.reserve}), cached per Lambda instance for 10 s
 * ({@code CachingBudgetPolicyStore}), and the refresh runs inline in the call that finds the cache stale.
 */
class BudgetPolicyListReadsIT {
    private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

    /**
     * Listing the one policy scans, with consistent reads, every item of the table: here the 400 cached answers of 8
     * KB each (bounded per feature by the gateway policy's {@code max_entries}, over as many features as callers
     * name) and their slots. In AWS each warm proxy instance repeats that every 10 s while it takes calls: read units
     * and the refreshing call's latency grow with the response cache, not with the policies. With a 1 GB cache that
     * is about 262,000 read units a refresh per instance.
     */
    @Test
    void list_onePolicyBesideCachedAnswers_readsOnlyPolicyItems() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbClient plain = local.client();
        DynamoDbTables.createBudgetsTable(plain, table);
        new DynamoDbBudgetPolicyStore(plain, table)
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:search"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("100"),
                        Mode.BLOCK,
                        List.of(),
                        OnStoreError.FAIL_OPEN,
                        ZoneOffset.UTC));
        fillCache(new DynamoDbResponseCacheStore(plain, table), 400);
        AtomicLong scanned = new AtomicLong();
        DynamoDbClient counting = countingScans(local, scanned);

        List<BudgetPolicy> policies = new DynamoDbBudgetPolicyStore(counting, table).list();

        assertThat(policies).hasSize(1);
        assertThat(scanned.get())
                .as("items read to list %d policy (the table holds 400 cached answers)", policies.size())
                .isLessThanOrEqualTo(10);
    }

    /**
     * A deployment upgraded from a version that listed policies with the Scan holds policy items no index names. They
     * must keep their force after the upgrade: the first listing finds them (with the old Scan, once) and later ones
     * read them through the index, without scanning the cached answers beside them again.
     */
    @Test
    void list_policyWrittenBeforeTheIndex_isStillListedThenWithoutScanning() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbClient plain = local.client();
        DynamoDbTables.createBudgetsTable(plain, table);
        // as the version before the index wrote it: the policy item alone
        plain.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("policy#feature:search/monthly"),
                        BudgetsTable.POLICY_ID, AttributeValue.fromS("feature:search/monthly"),
                        BudgetsTable.POLICY_SCOPE, AttributeValue.fromS("feature:search"),
                        BudgetsTable.POLICY_PERIOD, AttributeValue.fromS("monthly"),
                        BudgetsTable.POLICY_LIMIT_USD, AttributeValue.fromN("100"),
                        BudgetsTable.POLICY_MODE, AttributeValue.fromS("block"),
                        BudgetsTable.POLICY_ALERT_AT, AttributeValue.fromL(List.of()),
                        BudgetsTable.POLICY_ON_STORE_ERROR, AttributeValue.fromS("fail_open"),
                        BudgetsTable.POLICY_ZONE, AttributeValue.fromS("Z"))));
        fillCache(new DynamoDbResponseCacheStore(plain, table), 100);
        AtomicLong scanned = new AtomicLong();
        DynamoDbBudgetPolicyStore store = new DynamoDbBudgetPolicyStore(countingScans(local, scanned), table);

        List<BudgetPolicy> first = store.list();
        long firstScanned = scanned.getAndSet(0);
        List<BudgetPolicy> second = store.list();

        assertThat(first)
                .extracting(BudgetPolicy::id, p -> p.limitUsd().toPlainString(), BudgetPolicy::mode)
                .containsExactly(tuple("feature:search/monthly", "100", Mode.BLOCK));
        assertThat(firstScanned).as("the upgrade's one Scan").isGreaterThan(100);
        assertThat(second).isEqualTo(first);
        assertThat(scanned.get())
                .as("items scanned by the listing after the upgrade")
                .isZero();
        assertThat(store.delete("feature:search/monthly")).isTrue();
        assertThat(store.list()).isEmpty();
    }

    private static void fillCache(DynamoDbResponseCacheStore cache, int answers) {
        byte[] body = new byte[8 * 1024];
        Arrays.fill(body, (byte) 'a');
        for (int i = 0; i < answers; i++) {
            cache.put(
                    new CachedAnswer(
                            "k" + i,
                            "faq-" + (i % 4),
                            "chat.completions",
                            "openai",
                            "gpt-4o-mini",
                            body,
                            new TokenUsage(1200, 0, 0, 0, 40, 0),
                            new BigDecimal("0.000204"),
                            NOW,
                            NOW.plusSeconds(3600)),
                    1000);
        }
    }

    /** A client that adds up the items every Scan it sends reads. */
    private static DynamoDbClient countingScans(LocalDynamoDb local, AtomicLong scanned) {
        return local.clientBuilder()
                .overrideConfiguration(o -> o.addExecutionInterceptor(new ExecutionInterceptor() {
                    @Override
                    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
                        if (context.response() instanceof ScanResponse scan && scan.scannedCount() != null) {
                            scanned.addAndGet(scan.scannedCount());
                        }
                    }
                }))
                .build();
    }
}
