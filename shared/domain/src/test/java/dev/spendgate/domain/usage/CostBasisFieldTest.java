package dev.spendgate.domain.usage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.usage.UsageRecord.CostBasis;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code cost_basis} (schema 4): written only when set, read back, and preferred against by readers. */
class CostBasisFieldTest {
    private static final Instant T0 = Instant.parse("2026-12-03T15:00:00Z");

    private static UsageRecord estimate(String id, String cost) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(T0)
                .tsEnd(T0.plusSeconds(960))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", null, null, "prod", null, null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o")
                .modelServed("gpt-4o")
                .stream(true)
                .costUsd(new BigDecimal(cost))
                .pricingStatus(PricingStatus.PRICED)
                .usageSource(UsageSource.ESTIMATED)
                .errorType("unsettled")
                .costBasis(CostBasis.RESERVED_WORST_CASE)
                .build();
    }

    @Test
    void line_worstCaseEstimate_isSchema4WithCostBasisAndReadsBack() {
        UsageRecord r = estimate("req-1", "0.0412");

        String line = new String(UsageRecordCodec.line(r), StandardCharsets.UTF_8);
        UsageRecord back = UsageRecordCodec.read(line);

        assertThat(line).contains("\"schema_version\":4").contains("\"cost_basis\":\"reserved_worst_case\"");
        assertThat(back).isEqualTo(r);
        assertThat(back.worstCaseEstimate()).isTrue();
    }

    @Test
    void line_ordinaryRecord_hasNoCostBasisAndKeepsItsSchema() {
        UsageRecord r = UsageRecords.priced("req-1", T0, "chatbot", "gpt-4o", "0.01");

        String line = new String(UsageRecordCodec.line(r), StandardCharsets.UTF_8);

        assertThat(line).doesNotContain("cost_basis").contains("\"schema_version\":1");
        assertThat(UsageRecordCodec.read(line).worstCaseEstimate()).isFalse();
    }

    @Test
    void read_unknownCostBasis_isMalformedNamingTheField() {
        String line = new String(UsageRecordCodec.line(estimate("req-1", "0.04")), StandardCharsets.UTF_8)
                .replace("reserved_worst_case", "guessed");

        assertThatThrownBy(() -> UsageRecordCodec.read(line))
                .isInstanceOfSatisfying(UsageRecordCodec.MalformedUsageRecordException.class, e -> assertThat(e.field())
                        .isEqualTo("cost_basis"));
    }

    @Test
    void read_estimateBeforeTheSettledRecord_keepsTheSettledOne() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        // object names sort the estimate first, as a sweeper's batch may
        put(store, "a-sweeper", List.of(estimate("req-1", "0.0412"), estimate("req-2", "0.02")));
        put(store, "b-gateway", List.of(UsageRecords.priced("req-1", T0, "chatbot", "gpt-4o", "0.0107")));
        List<UsageRecord> read = new ArrayList<>();

        UsageLogReader.ReadStats stats = UsageLogReader.create(store).read(T0, T0.plusSeconds(3600), read::add);

        assertThat(read).extracting(UsageRecord::requestId).containsExactlyInAnyOrder("req-1", "req-2");
        assertThat(read.stream().filter(r -> r.requestId().equals("req-1")))
                .singleElement()
                .satisfies(r -> {
                    assertThat(r.worstCaseEstimate()).isFalse();
                    assertThat(r.costUsd()).isEqualByComparingTo("0.0107");
                });
        assertThat(stats.records()).isEqualTo(2);
        assertThat(stats.duplicates()).isEqualTo(1);
    }

    @Test
    void read_settledBeforeTheEstimateAndTheEstimateTwice_keepsTheSettledOneOnce() {
        InMemoryObjectStore store = new InMemoryObjectStore();
        put(store, "a-gateway", List.of(UsageRecords.priced("req-1", T0, "chatbot", "gpt-4o", "0.0107")));
        put(store, "b-sweeper", List.of(estimate("req-1", "0.0412")));
        put(store, "c-sweeper", List.of(estimate("req-1", "0.0412")));
        List<UsageRecord> read = new ArrayList<>();

        UsageLogReader.ReadStats stats = UsageLogReader.create(store).read(T0, T0.plusSeconds(3600), read::add);

        assertThat(read).singleElement().satisfies(r -> assertThat(r.worstCaseEstimate())
                .isFalse());
        assertThat(stats.duplicates()).isEqualTo(2);
    }

    private static void put(InMemoryObjectStore store, String name, List<UsageRecord> records) {
        store.objects.put(
                UsageLayout.hourPrefix(records.get(0).tsStart()) + name + ".ndjson.gz", UsageLogWriter.gzip(records));
    }
}
