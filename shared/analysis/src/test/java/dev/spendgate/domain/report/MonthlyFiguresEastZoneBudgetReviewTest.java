package dev.spendgate.domain.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * README "Finance reports", Forecast and budgets: "A budget with a {@code zone} is summed over its own month as the
 * gateway counts it ... within the UTC month the report reads (the hours of its month that fall in the next UTC month
 * are not in it)". An Asia/Tokyo (UTC+9, no DST) month begins on the previous UTC day: December 2026 starts at
 * {@code LocalDate.of(2026,12,1).atStartOfDay(Asia/Tokyo)} = 2026-11-30T15:00Z, and those hours are spent on the
 * gateway's December item (and shown by {@code budgets status} in December). Only the next-month hours are excepted.
 */
class MonthlyFiguresEastZoneBudgetReviewTest {
    private static final YearMonth DEC = YearMonth.of(2026, 12);
    private static final ZoneId TOKYO = ZoneId.of("Asia/Tokyo");

    @Test
    void tokyoMonthlyBudget_reportCountsTheHoursOfItsMonthBeforeUtcMidnight() {
        Instant tokyoDecFirst = Instant.parse("2026-11-30T16:00:00Z"); // 2026-12-01 01:00 JST
        assertThat(BudgetPeriod.MONTHLY.key(tokyoDecFirst, TOKYO)).isEqualTo("2026-12");
        Instant midDec = Instant.parse("2026-12-10T12:00:00Z");
        Store store = new Store();
        put(store, call("r1", tokyoDecFirst, "0.70"));
        put(store, call("r2", midDec, "0.20"));
        BudgetPolicy budget = new BudgetPolicy(
                BudgetScope.parse("department:support"),
                BudgetPeriod.MONTHLY,
                new BigDecimal("0.80"),
                BudgetPolicy.Mode.BLOCK,
                null,
                null,
                TOKYO);

        MonthlyUsage usage = MonthlyUsageSource.fromLog(store).load(DEC, Set.of(), Set.of());
        MonthlyFigures f = MonthlyFigures.of(usage, null, List.of(budget), null, List.of(), MonthlyFiguresTest.CATALOG);

        assertThat(f.budgets()).singleElement().satisfies(line -> {
            // the gateway's item budget#department:support#monthly#2026-12 holds $0.90 (it refused past $0.80)
            assertThat(line.spentUsd()).as("Tokyo's December spend").isEqualByComparingTo("0.90");
            assertThat(line.over()).isTrue();
        });
        // November's hours are the Tokyo budget's only: the month's own figures stay December's in UTC
        assertThat(usage.totalCostUsd()).as("UTC December's spend").isEqualByComparingTo("0.20");
    }

    private static void put(Store store, UsageRecord r) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        UsageRecordCodec.write(r, line);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(line.toString(StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        store.put(UsageLayout.hourPrefix(r.tsStart()) + r.requestId() + ".ndjson.gz", gz.toByteArray());
    }

    private static UsageRecord call(String id, Instant t, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(t)
                .tsEnd(t.plusSeconds(1))
                .keyId("k")
                .attribution(new Attribution("support-chat", "support", null, "prod", null, null, null))
                .provider("openai")
                .modelServed("m-big")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1000, 0, 100, 0))
                .costUsd(new BigDecimal(cost))
                .pricingStatus(UsageRecord.PricingStatus.PRICED)
                .usageSource(UsageRecord.UsageSource.PROVIDER)
                .build();
    }

    private static final class Store implements ObjectStore {
        private final TreeMap<String, byte[]> objects = new TreeMap<>();

        @Override
        public void put(String key, byte[] content) {
            objects.put(key, content.clone());
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(objects.get(key));
        }

        @Override
        public List<String> list(String prefix) {
            return new ArrayList<>(
                    objects.subMap(prefix, prefix + Character.MAX_VALUE).keySet());
        }
    }
}
