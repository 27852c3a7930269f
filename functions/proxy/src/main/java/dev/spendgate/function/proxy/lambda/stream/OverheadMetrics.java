package dev.spendgate.function.proxy.lambda.stream;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.usage.UsageSink;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;

/**
 * Publishes the gateway's own added latency to CloudWatch: after each usage batch reaches the sink (S3 or the
 * Firehose stream), the {@code overhead_ms} of its records goes out as one CloudWatch Embedded Metric Format line
 * ({@value #NAMESPACE} / {@value #METRIC}, dimension {@code Service=proxy}; at most 100 values a line, as EMF
 * allows). Only records the sink took count (not those it refused), so a record spooled and delivered later is
 * counted once. Metrics never break the usage log: a batch that cannot be read back is skipped.
 */
public final class OverheadMetrics implements UsageSink {
    public static final String NAMESPACE = "Spendgate";
    public static final String METRIC = "GatewayOverhead";
    static final int MAX_VALUES = 100;

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = new JsonFactory();

    private final UsageSink delegate;
    private final Consumer<String> out;
    private final Clock clock;

    /** Writes the metric lines to standard output, where Lambda sends them to CloudWatch Logs. */
    public OverheadMetrics(UsageSink delegate) {
        this(delegate, System.out::println, Clock.systemUTC());
    }

    OverheadMetrics(UsageSink delegate, Consumer<String> out, Clock clock) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
        this.out = Objects.requireNonNull(out, "out");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public Refused deliver(String objectKey, byte[] gzipNdjson) {
        return measured(gzipNdjson, delegate.deliver(objectKey, gzipNdjson));
    }

    @Override
    public Refused deliver(String objectKey, byte[] gzipNdjson, java.time.Duration timeLeft) {
        return measured(gzipNdjson, delegate.deliver(objectKey, gzipNdjson, timeLeft));
    }

    private Refused measured(byte[] gzipNdjson, Refused refused) {
        List<Long> values = overheads(gzipNdjson, new HashSet<>(refused.lines()));
        for (int from = 0; from < values.size(); from += MAX_VALUES) {
            out.accept(line(values.subList(from, Math.min(values.size(), from + MAX_VALUES))));
        }
        return refused;
    }

    private static List<Long> overheads(byte[] gzip, Set<String> refused) {
        List<Long> values = new ArrayList<>();
        try (BufferedReader reader = new BufferedReader(
                new InputStreamReader(new GZIPInputStream(new ByteArrayInputStream(gzip)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank() || refused.contains(line)) {
                    continue;
                }
                JsonNode overhead = MAPPER.readTree(line).path("overhead_ms");
                if (overhead.isNumber()) {
                    values.add(overhead.asLong());
                }
            }
        } catch (IOException | RuntimeException e) {
            return values;
        }
        return values;
    }

    private String line(List<Long> values) {
        StringWriter w = new StringWriter(160 + values.size() * 4);
        try (JsonGenerator g = JSON.createGenerator(w)) {
            g.writeStartObject();
            g.writeObjectFieldStart("_aws");
            g.writeNumberField("Timestamp", clock.millis());
            g.writeArrayFieldStart("CloudWatchMetrics");
            g.writeStartObject();
            g.writeStringField("Namespace", NAMESPACE);
            g.writeArrayFieldStart("Dimensions");
            g.writeStartArray();
            g.writeString("Service");
            g.writeEndArray();
            g.writeEndArray();
            g.writeArrayFieldStart("Metrics");
            g.writeStartObject();
            g.writeStringField("Name", METRIC);
            g.writeStringField("Unit", "Milliseconds");
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndArray();
            g.writeEndObject();
            g.writeStringField("Service", "proxy");
            g.writeArrayFieldStart(METRIC);
            for (long v : values) {
                g.writeNumber(v);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return w.toString();
    }
}
