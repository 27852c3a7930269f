package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.domain.usage.UsageSink;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

class OverheadMetricsTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-28T12:00:00Z"), ZoneOffset.UTC);

    private final Map<String, byte[]> objects = new HashMap<>();
    private final List<String> lines = new ArrayList<>();
    private final UsageSink memory = (key, content) -> {
        objects.put(key, content);
        return UsageSink.Refused.NONE;
    };

    @Test
    void deliver_usageBatch_emitsOneEmfLineWithEveryOverhead() throws Exception {
        OverheadMetrics metrics = new OverheadMetrics(memory, lines::add, CLOCK);

        metrics.deliver("usage/v1/year=2026/month=11/day=28/hour=12/part-1.ndjson.gz", batch(3, 7, 12));

        assertThat(objects).hasSize(1);
        assertThat(lines).hasSize(1);
        JsonNode emf = JSON.readTree(lines.get(0));
        JsonNode directive = emf.path("_aws").path("CloudWatchMetrics").get(0);
        assertThat(emf.path("_aws").path("Timestamp").asLong()).isEqualTo(CLOCK.millis());
        assertThat(directive.path("Namespace").asText()).isEqualTo("Spendgate");
        assertThat(directive.path("Dimensions").toString()).isEqualTo("[[\"Service\"]]");
        assertThat(directive.path("Metrics").get(0).path("Name").asText()).isEqualTo("GatewayOverhead");
        assertThat(directive.path("Metrics").get(0).path("Unit").asText()).isEqualTo("Milliseconds");
        assertThat(emf.path("Service").asText()).isEqualTo("proxy");
        assertThat(emf.path("GatewayOverhead").toString()).isEqualTo("[3,7,12]");
    }

    @Test
    void deliver_moreThanAHundredRecords_splitsIntoLinesOfAtMostAHundred() throws Exception {
        long[] values = new long[150];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        new OverheadMetrics(memory, lines::add, CLOCK).deliver("usage/v1/x.ndjson.gz", batch(values));

        assertThat(lines).hasSize(2);
        assertThat(JSON.readTree(lines.get(0)).path("GatewayOverhead").size()).isEqualTo(100);
        assertThat(JSON.readTree(lines.get(1)).path("GatewayOverhead").size()).isEqualTo(50);
    }

    @Test
    void deliver_sinkRefusesSomeRecords_emitsOnlyTheTakenRecordsOverheads() throws Exception {
        UsageSink partial = (key, content) -> new UsageSink.Refused(
                List.of("{\"schema_version\":1,\"request_id\":\"r7\",\"overhead_ms\":7}"), "throttled");

        new OverheadMetrics(partial, lines::add, CLOCK).deliver("usage/v1/x.ndjson.gz", batch(3, 7, 12));

        assertThat(lines).hasSize(1);
        assertThat(JSON.readTree(lines.get(0)).path("GatewayOverhead").toString())
                .isEqualTo("[3,12]");
    }

    @Test
    void deliver_sinkFails_emitsNothingAndPropagates() throws Exception {
        UsageSink down = (key, content) -> {
            throw new ObjectStoreException("S3 is down", null);
        };
        byte[] content = batch(5);

        assertThatThrownBy(() -> new OverheadMetrics(down, lines::add, CLOCK).deliver("usage/v1/x.ndjson.gz", content))
                .isInstanceOf(ObjectStoreException.class);
        assertThat(lines).isEmpty();
    }

    @Test
    void deliver_unreadableBatch_deliversItWithoutMetric() {
        byte[] notGzip = "not gzip".getBytes(StandardCharsets.UTF_8);

        new OverheadMetrics(memory, lines::add, CLOCK).deliver("usage/v1/x.ndjson.gz", notGzip);

        assertThat(objects.get("usage/v1/x.ndjson.gz")).isEqualTo(notGzip);
        assertThat(lines).isEmpty();
    }

    private static byte[] batch(long... overheads) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            for (long o : overheads) {
                gz.write(("{\"schema_version\":1,\"request_id\":\"r" + o + "\",\"overhead_ms\":" + o + "}\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toByteArray();
    }
}
