package dev.spendgate.aws.dynamodb;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.aws.dynamodb.DynamoDbTables.BudgetsTable;
import dev.spendgate.domain.budget.ReservationJournal.OpenReservation;
import dev.spendgate.domain.cache.CachedAnswer;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.testing.aws.LocalDynamoDb;
import java.math.BigDecimal;
import java.time.Instant;
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
 * Each warm proxy instance sweeps orphaned reservations about once a minute ({@code GatewayRuntime.afterInvocation}),
 * in the budgets table it shares with the response cache's answers, rate counters and policies. The sweep used to be a
 * consistent Scan of that whole table: its read units grew with the response cache, not with the reservations.
 */
class ReservationSweepReadsIT {
    private static final Instant NOW = Instant.parse("2026-11-20T10:00:00Z");

    @Test
    void expired_oneOrphanBesideCachedAnswers_readsNoCachedAnswer() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbClient plain = local.client();
        DynamoDbTables.createBudgetsTable(plain, table);
        fillCache(new DynamoDbResponseCacheStore(plain, table), 400);
        DynamoDbReservationJournal gateway = new DynamoDbReservationJournal(plain, table);
        gateway.open(new OpenReservation("r-orphan", List.of("budget#a"), new BigDecimal("0.5"), NOW.minusSeconds(60)));
        gateway.open(new OpenReservation("r-live", List.of("budget#a"), new BigDecimal("0.5"), NOW.plusSeconds(60)));
        // the first sweep after the upgrade looks once for entries from before the index, finds none, says so
        gateway.expired(NOW, 100);
        AtomicLong scanned = new AtomicLong();

        List<OpenReservation> expired =
                new DynamoDbReservationJournal(countingScans(local, scanned), table).expired(NOW, 100);

        assertThat(expired).extracting(OpenReservation::id).containsExactly("r-orphan");
        assertThat(scanned.get())
                .as("items scanned by a sweep (the table holds 400 cached answers)")
                .isZero();
    }

    /** An entry written before the index has no shard: a call that died across the upgrade must still be swept. */
    @Test
    void expired_entryWrittenBeforeTheIndex_isStillSwept() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbClient plain = local.client();
        DynamoDbTables.createBudgetsTable(plain, table);
        plain.putItem(b -> b.tableName(table)
                .item(Map.of(
                        DynamoDbTables.PARTITION_KEY, AttributeValue.fromS("resv#r-old"),
                        BudgetsTable.RESERVATION_ITEM_KEYS,
                                AttributeValue.fromL(List.of(AttributeValue.fromS("budget#a"))),
                        BudgetsTable.RESERVATION_AMOUNT, AttributeValue.fromN("0.25"),
                        BudgetsTable.RESERVATION_EXPIRES_AT_MILLIS,
                                AttributeValue.fromN(
                                        Long.toString(NOW.minusSeconds(60).toEpochMilli())))));
        DynamoDbReservationJournal journal = new DynamoDbReservationJournal(plain, table);

        assertThat(journal.expired(NOW, 100))
                .extracting(OpenReservation::id, r -> r.amount().toPlainString())
                .containsExactly(org.assertj.core.groups.Tuple.tuple("r-old", "0.25"));
        assertThat(journal.remove("r-old")).isTrue();
        assertThat(journal.expired(NOW, 100)).isEmpty();
        assertThat(new DynamoDbReservationJournal(plain, table).expired(NOW, 100))
                .isEmpty();
    }

    /** A budgets table without the index (LocalStack's init hook makes none) still sweeps, with the Scan. */
    @Test
    void expired_tableWithoutTheIndex_fallsBackToTheScan() {
        LocalDynamoDb local = LocalDynamoDb.shared();
        String table = LocalDynamoDb.uniqueTableName("budgets");
        DynamoDbClient plain = local.client();
        DynamoDbTables.createSpoolTable(plain, table);
        DynamoDbReservationJournal journal = new DynamoDbReservationJournal(plain, table);
        journal.open(new OpenReservation("r-1", List.of("budget#a"), new BigDecimal("0.5"), NOW.minusSeconds(1)));

        assertThat(journal.expired(NOW, 100)).extracting(OpenReservation::id).containsExactly("r-1");
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
