package dev.spendgate.logging;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * The one structured logger of every Spendgate function, shared adapter and the CLI's gateway: one JSON object a line
 * on standard error, so CloudWatch Logs Insights (or {@code jq}) can filter on the same names everywhere.
 *
 * <p>Every line carries, in this order: {@code ts} (UTC, milliseconds), {@code level} ({@code INFO}, {@code WARN},
 * {@code ERROR}), {@code service} (which program wrote it), {@code event} (a stable dotted name such as
 * {@code waste.findings_written}: search on this, not on the message), {@code request_id} and {@code duration_ms} (both
 * {@code null} when the line has none), then {@code message}, {@code error} and {@code error_at} when given, then the
 * named fields. An error is logged by class and throwing code location only: exception messages can quote request
 * bodies. String values that look like credentials (proxy keys, provider keys, bearer tokens, AWS access key ids) and
 * fields named like secrets are replaced by {@code [redacted]}. Never pass prompts or completions.
 */
public final class JsonLogger {
    /** The names every line may carry before the named fields; a named field cannot reuse them. */
    public static final Set<String> FIXED_FIELDS =
            Set.of("ts", "level", "service", "event", "request_id", "duration_ms", "message", "error", "error_at");

    static final String REDACTED = "[redacted]";

    private static final JsonFactory JSON = new JsonFactory();
    private static final Pattern EVENT = Pattern.compile("[a-z0-9_]+(\\.[a-z0-9_]+)*");
    private static final Pattern FIELD = Pattern.compile("[a-z][a-z0-9_]*");
    private static final Pattern SECRET_NAME =
            Pattern.compile(".*(secret|password|authorization|api_key|credential).*");
    private static final Pattern SECRET_VALUE = Pattern.compile(
            "sg-[0-9a-f]{8,}|sk-[A-Za-z0-9_\\-]{8,}|(?i:bearer)\\s+[^\\s\"]+|AKIA[0-9A-Z]{16}|ASIA[0-9A-Z]{16}");

    /** Severity of a line. */
    public enum Level {
        INFO,
        WARN,
        ERROR
    }

    private final String service;
    private final Consumer<String> sink;
    private final Clock clock;

    private JsonLogger(String service, Consumer<String> sink, Clock clock) {
        this.service = Objects.requireNonNull(service, "service");
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** A logger writing to standard error (looked up on every line, so a redirected {@code System.err} is honoured). */
    public static JsonLogger create(String service) {
        return new JsonLogger(service, line -> System.err.println(line), Clock.systemUTC());
    }

    /** A logger writing each line to {@code sink}, for tests and for callers that own their output stream. */
    public static JsonLogger create(String service, Consumer<String> sink, Clock clock) {
        return new JsonLogger(service, sink, clock);
    }

    public String service() {
        return service;
    }

    public Entry info(String event) {
        return new Entry(Level.INFO, event);
    }

    public Entry warn(String event) {
        return new Entry(Level.WARN, event);
    }

    public Entry error(String event) {
        return new Entry(Level.ERROR, event);
    }

    public Entry at(Level level, String event) {
        return new Entry(Objects.requireNonNull(level, "level"), event);
    }

    /** One line being built; nothing is written until {@link #log()}. Not thread-safe, and used once. */
    public final class Entry {
        private final Level level;
        private final String event;
        private String requestId;
        private Long durationMs;
        private String message;
        private Throwable error;
        private final List<Object[]> fields = new ArrayList<>(4);

        private Entry(Level level, String event) {
            Objects.requireNonNull(event, "event");
            if (!EVENT.matcher(event).matches()) {
                throw new IllegalArgumentException(
                        "event must be dotted lower-case words such as 'usage.flush_failed', got '" + event + "'");
            }
            this.level = level;
            this.event = event;
        }

        public Entry requestId(String requestId) {
            this.requestId = requestId;
            return this;
        }

        public Entry durationMs(long durationMs) {
            this.durationMs = durationMs;
            return this;
        }

        /** The milliseconds since {@code start} on the logger's clock. */
        public Entry durationSince(Instant start) {
            return durationMs(Math.max(0, ChronoUnit.MILLIS.between(start, clock.instant())));
        }

        public Entry message(String message) {
            this.message = message;
            return this;
        }

        public Entry error(Throwable error) {
            this.error = error;
            return this;
        }

        /**
         * A named field: a string, an {@code int} or {@code long}, a {@link BigDecimal} (written with its exact digits;
         * money is never a double), a boolean, an enum (lower case) or null. Names are lower snake case and may not
         * reuse {@link #FIXED_FIELDS}.
         */
        public Entry field(String name, Object value) {
            Objects.requireNonNull(name, "name");
            if (!FIELD.matcher(name).matches()) {
                throw new IllegalArgumentException("log field name must be lower snake case, got '" + name + "'");
            }
            if (FIXED_FIELDS.contains(name)) {
                throw new IllegalArgumentException(
                        "log field '" + name + "' is one of the fixed fields; use its setter");
            }
            if (value != null
                    && !(value instanceof CharSequence
                            || value instanceof Long
                            || value instanceof Integer
                            || value instanceof BigDecimal
                            || value instanceof BigInteger
                            || value instanceof Boolean
                            || value instanceof Enum<?>)) {
                throw new IllegalArgumentException("log field '" + name
                        + "' must be a string, an int, a long, a BigDecimal or a boolean, got "
                        + value.getClass().getSimpleName());
            }
            fields.add(new Object[] {name, value});
            return this;
        }

        public void log() {
            sink.accept(render());
        }

        public void log(String message) {
            message(message);
            log();
        }

        String render() {
            StringWriter out = new StringWriter(256);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                g.writeStringField(
                        "ts", clock.instant().truncatedTo(ChronoUnit.MILLIS).toString());
                g.writeStringField("level", level.name());
                g.writeStringField("service", service);
                g.writeStringField("event", event);
                g.writeStringField("request_id", requestId);
                if (durationMs == null) {
                    g.writeNullField("duration_ms");
                } else {
                    g.writeNumberField("duration_ms", durationMs);
                }
                if (message != null) {
                    g.writeStringField("message", scrub(message));
                }
                if (error != null) {
                    g.writeStringField("error", error.getClass().getName());
                    StackTraceElement[] trace = error.getStackTrace();
                    if (trace.length > 0) {
                        g.writeStringField(
                                "error_at",
                                trace[0].getClassName() + "." + trace[0].getMethodName() + ":"
                                        + trace[0].getLineNumber());
                    }
                }
                for (Object[] f : fields) {
                    writeField(g, (String) f[0], f[1]);
                }
                g.writeEndObject();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return out.toString();
        }
    }

    private static void writeField(JsonGenerator g, String name, Object value) throws IOException {
        if (value == null) {
            g.writeNullField(name);
        } else if (SECRET_NAME.matcher(name).matches()) {
            g.writeStringField(name, REDACTED);
        } else if (value instanceof Boolean b) {
            g.writeBooleanField(name, b);
        } else if (value instanceof BigDecimal d) {
            g.writeFieldName(name);
            g.writeNumber(d.toPlainString());
        } else if (value instanceof BigInteger i) {
            g.writeFieldName(name);
            g.writeNumber(i);
        } else if (value instanceof Long || value instanceof Integer) {
            g.writeNumberField(name, ((Number) value).longValue());
        } else if (value instanceof Enum<?> e) {
            g.writeStringField(name, e.name().toLowerCase(Locale.ROOT));
        } else {
            g.writeStringField(name, scrub(value.toString()));
        }
    }

    /** The text with anything shaped like a credential replaced by {@code [redacted]}. */
    static String scrub(String text) {
        return SECRET_VALUE.matcher(text).replaceAll(REDACTED);
    }
}
