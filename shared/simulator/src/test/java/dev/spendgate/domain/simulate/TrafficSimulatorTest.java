package dev.spendgate.domain.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecordCodec;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.YearMonth;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrafficSimulatorTest {
    private static final PricingCatalog CATALOG = PricingCatalog.bundled();
    private static final YearMonth MONTH = YearMonth.of(2026, 10);

    @Test
    void run_sameSeed_producesTheSameMonthAndAnotherSeedADifferentOne() throws Exception {
        assertThat(digest(1)).isEqualTo(digest(1)).isNotEqualTo(digest(2));
    }

    @Test
    void run_month_recordsAreInsideTheMonthInTimeOrderAndPricedByTheCatalog() {
        List<UsageRecord> records = new ArrayList<>();
        GroundTruth truth = simulator(3).run(records::add, (d, n) -> {});

        Instant start = Instant.parse("2026-10-01T00:00:00Z");
        Instant end = Instant.parse("2026-11-01T00:00:00Z");
        BigDecimal spend = BigDecimal.ZERO;
        Instant previous = start;
        for (UsageRecord r : records) {
            assertThat(r.tsStart()).isBetween(start, end.minusMillis(1)).isAfterOrEqualTo(previous);
            previous = r.tsStart();
            if (r.costUsd() != null) {
                assertThat(r.costUsd())
                        .as(r.requestId())
                        .isEqualByComparingTo(CATALOG.find(r.provider(), r.pricedModel())
                                .orElseThrow()
                                .cost(r.tokens()));
                spend = spend.add(r.costUsd());
            }
        }
        assertThat(truth.records()).isEqualTo(records.size());
        assertThat(truth.spendUsd()).isEqualByComparingTo(spend);
        assertThat(records).anyMatch(UsageRecord::stream).anyMatch(r -> !r.stream());
        assertThat(records).anyMatch(r -> r.tokens().cachedInputTokens() > 0);
        assertThat(records).anyMatch(r -> r.tokens().cacheWriteTokens() > 0);
        assertThat(records).anyMatch(r -> r.statusCode() == 429);
        assertThat(records.stream().map(UsageRecord::provider).distinct()).contains("openai", "anthropic");
        assertThat(records.stream().map(r -> r.attribution().department()).distinct())
                .hasSizeGreaterThanOrEqualTo(8);
    }

    @Test
    void keys_simulatedKeys_areDisabledSoNobodyCanCallWithThem() {
        assertThat(simulator(1).keys()).hasSize(10).noneMatch(ProxyKey::enabled);
    }

    private static TrafficSimulator simulator(long seed) {
        return TrafficSimulator.create(CATALOG, new TrafficSimulator.Settings(MONTH, seed, 5_000, false));
    }

    private static String digest(long seed) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        simulator(seed)
                .run(
                        r -> {
                            ByteArrayOutputStream line = new ByteArrayOutputStream();
                            UsageRecordCodec.write(r, line);
                            sha.update(line.toString(StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
                        },
                        (d, n) -> {});
        return HexFormat.of().formatHex(sha.digest());
    }
}
