package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.domain.usage.UsageRecordCodec;
import dev.spendgate.domain.usage.UsageSink;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link UsageSink} must do: take a batch whole (returning {@link UsageSink.Refused#NONE}) while its
 * destination is healthy, and get every record to the destination. Extend it once per adapter:
 * {@link #newSink()} returns a sink over a fresh destination, {@link #delivered()} the request ids of the records
 * that reached it (after flushing whatever buffer the sink's service keeps).
 */
public abstract class UsageSinkContract {
    protected static final Instant T0 = Instant.parse("2026-11-28T15:59:58Z");

    private UsageSink sink;

    /** A sink over a fresh, empty destination; called before every test. */
    protected abstract UsageSink newSink();

    /** Request ids of the records at the destination, once whatever the sink buffered has arrived. */
    protected abstract List<String> delivered();

    @BeforeEach
    void createSink() {
        sink = newSink();
    }

    /** The sink {@link #newSink()} made for this test. */
    protected UsageSink sink() {
        return sink;
    }

    @Test
    void deliver_healthyDestination_takesTheBatchAndEveryRecordArrives() {
        UsageSink.Refused refused = sink.deliver(key(T0), batch(records("a", 3, T0)));

        assertThat(refused.isEmpty()).isTrue();
        assertThat(delivered()).containsExactlyInAnyOrder("a-0", "a-1", "a-2");
    }

    @Test
    void deliver_moreRecordsThanOneCallCarries_everyRecordArrives() {
        UsageSink.Refused refused = sink.deliver(key(T0), batch(records("big", 1200, T0)));

        assertThat(refused.isEmpty()).isTrue();
        assertThat(delivered()).hasSize(1200).doesNotHaveDuplicates();
    }

    /** {@code n} priced records {@code <prefix>-0 ..}, a millisecond apart from {@code start}. */
    public static List<UsageRecord> records(String prefix, int n, Instant start) {
        List<UsageRecord> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(record(prefix + "-" + i, start.plusMillis(i)));
        }
        return out;
    }

    public static UsageRecord record(String id, Instant start) {
        return UsageRecord.builder()
                .requestId(id)
                .tsStart(start)
                .tsEnd(start.plusMillis(420))
                .keyId("key_1")
                .attribution(new Attribution("chatbot", "engineering", null, "prod", "s-1", null, null))
                .provider("openai")
                .endpoint("chat.completions")
                .modelRequested("gpt-4o-mini")
                .modelServed("gpt-4o-mini-2024-07-18")
                .statusCode(200)
                .tokens(TokenUsage.openAi(1000, 24, 0, 0))
                .costUsd(new BigDecimal("0.0001644"))
                .pricingStatus(PricingStatus.PRICED)
                .pricingVersion("2026-11-28")
                .usageSource(UsageSource.PROVIDER)
                .latencyMs(420)
                .upstreamMs(418)
                .overheadMs(2)
                .build();
    }

    /** The gzip NDJSON batch the usage log writer hands a sink. */
    public static byte[] batch(List<UsageRecord> records) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (UsageRecord r : records) {
                UsageRecordCodec.write(r, gz);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    public static String key(Instant t) {
        return UsageLayout.newObjectKey(t, t);
    }
}
