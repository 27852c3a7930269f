package dev.spendgate.domain.usage;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.io.ExactBytes;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageRecord.Fingerprints;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * Reads and writes usage records as one JSON object per line (NDJSON), schema version 1, 2 for records with the
 * varying-part fingerprints ({@code varying_hash}, {@code varying_simhash}, {@code system_simhash}, written only when
 * set), or 3 for records with routing and caching fields ({@code routed_by}, {@code cache}, {@code saved_usd},
 * {@code prompt_cache}, written only when set), or 4 for records with {@code cost_basis} (written only when set).
 */
public final class UsageRecordCodec {
    /** The {@code web_search_tool} value of a call whose searches ran OpenAI's older preview tool. */
    static final String WEB_SEARCH_PREVIEW = "web_search_preview";

    /**
     * Buffers shared across threads: Jackson's per-thread default allocates new ones for each record written on a
     * virtual thread (the local server's calls on Java 21+).
     */
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .build();

    private static final ObjectMapper MAPPER = new ObjectMapper(FACTORY);

    private UsageRecordCodec() {}

    /** The record as one JSON line, newline included, UTF-8. */
    public static byte[] line(UsageRecord r) {
        // the generator passes the whole line on when it closes: kept at its exact size, without a second buffer
        ExactBytes out = new ExactBytes();
        write(r, out);
        return out.toByteArray();
    }

    /** Writes the record as one JSON line, newline included. */
    public static void write(UsageRecord r, OutputStream out) {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.configure(JsonGenerator.Feature.AUTO_CLOSE_TARGET, false);
            char[][] chars = {new char[128]};
            g.writeStartObject();
            g.writeNumberField("schema_version", r.schemaVersion());
            text(g, chars, "request_id", r.requestId());
            text(g, chars, "ts_start", time(r.tsStart()));
            text(g, chars, "ts_end", time(r.tsEnd()));
            text(g, chars, "key_id", r.keyId());
            Attribution a = r.attribution();
            text(g, chars, "feature", a.feature());
            text(g, chars, "department", a.department());
            text(g, chars, "team", a.team());
            text(g, chars, "environment", a.environment());
            text(g, chars, "session", a.session());
            text(g, chars, "user", a.user());
            text(g, chars, "run", a.run());
            g.writeBooleanField("attributed", a.isAttributed());
            text(g, chars, "provider", r.provider());
            text(g, chars, "endpoint", r.endpoint());
            text(g, chars, "model_requested", r.modelRequested());
            text(g, chars, "model_served", r.modelServed());
            g.writeBooleanField("stream", r.stream());
            g.writeNumberField("status_code", r.statusCode());
            TokenUsage t = r.tokens();
            g.writeNumberField("input_tokens", t.inputTokens());
            g.writeNumberField("cached_input_tokens", t.cachedInputTokens());
            g.writeNumberField("cache_write_tokens", t.cacheWriteTokens());
            g.writeNumberField("cache_write_1h_tokens", t.cacheWrite1hTokens());
            g.writeNumberField("output_tokens", t.outputTokens());
            g.writeNumberField("reasoning_tokens", t.reasoningTokens());
            if (t.webSearches() > 0) {
                g.writeNumberField("web_searches", t.webSearches()); // optional: written only when the call searched
                if (t.previewWebSearches() > 0) {
                    // a call's searches are all one tool's: the request's, when its only web-search tool is this
                    g.writeStringField("web_search_tool", WEB_SEARCH_PREVIEW);
                }
            }
            text(g, chars, "cost_usd", r.costUsd() == null ? null : r.costUsd().toPlainString());
            text(g, chars, "pricing_status", r.pricingStatus().name().toLowerCase(Locale.ROOT));
            text(g, chars, "pricing_version", r.pricingVersion());
            text(g, chars, "usage_source", r.usageSource().name().toLowerCase(Locale.ROOT));
            g.writeNumberField("latency_ms", r.latencyMs());
            g.writeNumberField("upstream_ms", r.upstreamMs());
            g.writeNumberField("overhead_ms", r.overheadMs());
            if (r.maxOutputTokens() == null) {
                g.writeNullField("max_output_tokens");
            } else {
                g.writeNumberField("max_output_tokens", r.maxOutputTokens());
            }
            text(g, chars, "error_type", r.errorType());
            Fingerprints f = r.fingerprints();
            text(g, chars, "system_hash", f.systemHash());
            text(g, chars, "prefix_hash", f.prefixHash());
            text(g, chars, "request_hash", f.requestHash());
            text(g, chars, "simhash", f.simhash());
            if (f.hasVaryingPart()) {
                text(g, chars, "varying_hash", f.varyingHash());
                text(g, chars, "varying_simhash", f.varyingSimhash());
                text(g, chars, "system_simhash", f.systemSimhash());
            }
            text(g, chars, "degraded_from", r.degradedFrom());
            g.writeBooleanField("unenforced", r.unenforced());
            if (r.pricingProvider() != null) {
                text(g, chars, "pricing_provider", r.pricingProvider());
            }
            UsageRecord.Billing b = r.billing();
            optional(g, chars, "service_tier_requested", b.serviceTierRequested());
            optional(g, chars, "service_tier_served", b.serviceTierServed());
            optional(g, chars, "batch_id", b.batchId());
            if (b.batchCreatedAt() != null) {
                text(g, chars, "batch_created_at", time(b.batchCreatedAt()));
            }
            optional(g, chars, "inference_profile_arn", b.inferenceProfileArn());
            optional(g, chars, "inference_geo", b.inferenceGeo());
            UsageRecord.Optimization o = r.optimization();
            optional(g, chars, "routed_by", o.routedBy());
            optional(g, chars, "cache", o.cache());
            optional(
                    g,
                    chars,
                    "saved_usd",
                    o.savedUsd() == null ? null : o.savedUsd().toPlainString());
            optional(g, chars, "prompt_cache", o.promptCache());
            optional(
                    g,
                    chars,
                    "cost_basis",
                    r.costBasis() == null ? null : r.costBasis().value());
            g.writeEndObject();
            g.writeRaw('\n');
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Parses one line holding one record. Throws {@link MalformedUsageRecordException} for invalid JSON, more than one
     * JSON value on the line, an unknown schema version or a missing required field.
     */
    public static UsageRecord read(String line) {
        List<Object> values = new ArrayList<>(1);
        readAll(line, values::add);
        if (values.size() != 1) {
            throw new MalformedUsageRecordException(
                    values.isEmpty() ? "not a JSON object" : values.size() + " JSON values on one line");
        }
        if (values.get(0) instanceof MalformedUsageRecordException e) {
            throw e;
        }
        return (UsageRecord) values.get(0);
    }

    /**
     * Parses every JSON value on one line, in order: each is handed to {@code out} as a {@link UsageRecord} or as the
     * {@link MalformedUsageRecordException} saying why it is not one. Two records that lost the line break between
     * them are both read; text that is not JSON ends the line as one malformed value after the records before it.
     */
    public static void readAll(String line, Consumer<Object> out) {
        try (JsonParser p = FACTORY.createParser(line)) {
            while (true) {
                JsonNode n;
                try {
                    n = MAPPER.readTree(p);
                } catch (IOException e) {
                    out.accept(new MalformedUsageRecordException("not valid JSON"));
                    return;
                }
                if (n == null || n.isMissingNode()) {
                    return;
                }
                try {
                    out.accept(read(n));
                } catch (MalformedUsageRecordException e) {
                    out.accept(e);
                }
            }
        } catch (IOException e) {
            out.accept(new MalformedUsageRecordException("not valid JSON"));
        }
    }

    private static UsageRecord read(JsonNode n) {
        if (n == null || !n.isObject()) {
            throw new MalformedUsageRecordException("not a JSON object");
        }
        int version = n.path("schema_version").asInt(-1);
        if (!UsageRecord.readableSchema(version)) {
            throw new MalformedUsageRecordException("unknown schema_version " + n.path("schema_version")
                    + (version > UsageRecord.COST_BASIS_SCHEMA_VERSION
                            ? " (written by a newer Spendgate; this one reads up to "
                                    + UsageRecord.COST_BASIS_SCHEMA_VERSION + ": upgrade to count it)"
                            : ""));
        }
        try {
            String cost = str(n, "cost_usd");
            TokenUsage tokens = new TokenUsage(
                            n.path("input_tokens").asLong(),
                            n.path("cached_input_tokens").asLong(),
                            n.path("cache_write_tokens").asLong()
                                    - n.path("cache_write_1h_tokens").asLong(),
                            n.path("cache_write_1h_tokens").asLong(),
                            n.path("output_tokens").asLong(),
                            n.path("reasoning_tokens").asLong(),
                            n.path("web_searches").asLong())
                    .withPreviewWebSearches(WEB_SEARCH_PREVIEW.equals(str(n, "web_search_tool")));
            return new UsageRecord(
                    version,
                    required(n, "request_id"),
                    Instant.parse(required(n, "ts_start")),
                    Instant.parse(required(n, "ts_end")),
                    str(n, "key_id"),
                    new Attribution(
                            str(n, "feature"),
                            str(n, "department"),
                            str(n, "team"),
                            str(n, "environment"),
                            str(n, "session"),
                            str(n, "user"),
                            str(n, "run")),
                    str(n, "provider"),
                    str(n, "endpoint"),
                    str(n, "model_requested"),
                    str(n, "model_served"),
                    n.path("stream").asBoolean(),
                    n.path("status_code").asInt(),
                    tokens,
                    cost == null ? null : decimal("cost_usd", cost),
                    PricingStatus.valueOf(required(n, "pricing_status").toUpperCase(Locale.ROOT)),
                    str(n, "pricing_version"),
                    UsageSource.valueOf(required(n, "usage_source").toUpperCase(Locale.ROOT)),
                    n.path("latency_ms").asLong(),
                    n.path("upstream_ms").asLong(),
                    n.path("overhead_ms").asLong(),
                    n.hasNonNull("max_output_tokens")
                            ? n.get("max_output_tokens").asLong()
                            : null,
                    str(n, "error_type"),
                    new Fingerprints(
                            str(n, "system_hash"),
                            str(n, "prefix_hash"),
                            str(n, "request_hash"),
                            str(n, "simhash"),
                            str(n, "varying_hash"),
                            str(n, "varying_simhash"),
                            str(n, "system_simhash")),
                    str(n, "degraded_from"),
                    n.path("unenforced").asBoolean(false),
                    str(n, "pricing_provider"),
                    new UsageRecord.Billing(
                            str(n, "service_tier_requested"),
                            str(n, "service_tier_served"),
                            str(n, "batch_id"),
                            str(n, "inference_profile_arn"),
                            str(n, "inference_geo"),
                            n.hasNonNull("batch_created_at") ? Instant.parse(str(n, "batch_created_at")) : null),
                    new UsageRecord.Optimization(
                            str(n, "routed_by"),
                            str(n, "cache"),
                            n.hasNonNull("saved_usd") ? decimal("saved_usd", str(n, "saved_usd")) : null,
                            str(n, "prompt_cache")),
                    n.hasNonNull("cost_basis") ? costBasis(str(n, "cost_basis")) : null);
        } catch (MalformedUsageRecordException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new MalformedUsageRecordException("invalid field: " + e.getMessage());
        }
    }

    /** Optional fields are left out when absent, so records without them stay as they were. */
    private static void optional(JsonGenerator g, char[][] chars, String field, String value) throws IOException {
        if (value != null) {
            text(g, chars, field, value);
        }
    }

    /**
     * {@code writeStringField(field, value)}, the same bytes, with the text handed over as a {@code char[]}: Jackson's
     * {@code writeString(String)} reads it a char at a time, which costs more than the copy on Java 21+. {@code chars}
     * is one buffer for the record's texts, grown as needed.
     */
    private static void text(JsonGenerator g, char[][] chars, String field, String value) throws IOException {
        if (value == null) {
            g.writeNullField(field);
            return;
        }
        int length = value.length();
        if (chars[0].length < length) {
            chars[0] = new char[Math.max(length, chars[0].length * 2)];
        }
        value.getChars(0, length, chars[0], 0);
        g.writeFieldName(field);
        g.writeString(chars[0], 0, length);
    }

    private static UsageRecord.CostBasis costBasis(String value) {
        try {
            return UsageRecord.CostBasis.of(value);
        } catch (IllegalArgumentException e) {
            throw new MalformedUsageRecordException("cost_basis", "invalid field cost_basis: " + e.getMessage());
        }
    }

    private static BigDecimal decimal(String field, String value) {
        try {
            return new BigDecimal(value);
        } catch (NumberFormatException e) {
            throw new MalformedUsageRecordException(field, "invalid field " + field + ": not a decimal number");
        }
    }

    /**
     * The instant at millisecond precision as {@link Instant#toString} writes it ({@code 2026-11-28T15:04:05Z}, or
     * {@code 2026-11-28T15:04:05.123Z} when the milliseconds are not 0): formatted by hand for years 0-9999, which is
     * about ten times cheaper than the JDK's formatter; other years go through it.
     */
    static String time(Instant t) {
        long seconds = t.getEpochSecond();
        int millis = t.getNano() / 1_000_000;
        long day = Math.floorDiv(seconds, 86_400L);
        if (day < MIN_FAST_DAY || day > MAX_FAST_DAY) {
            return t.truncatedTo(ChronoUnit.MILLIS).toString();
        }
        int secondOfDay = (int) Math.floorMod(seconds, 86_400L);
        LocalDate date = LocalDate.ofEpochDay(day);
        char[] c = new char[millis == 0 ? 20 : 24];
        digits(c, 0, date.getYear(), 4);
        c[4] = '-';
        digits(c, 5, date.getMonthValue(), 2);
        c[7] = '-';
        digits(c, 8, date.getDayOfMonth(), 2);
        c[10] = 'T';
        digits(c, 11, secondOfDay / 3600, 2);
        c[13] = ':';
        digits(c, 14, secondOfDay / 60 % 60, 2);
        c[16] = ':';
        digits(c, 17, secondOfDay % 60, 2);
        if (millis != 0) {
            c[19] = '.';
            digits(c, 20, millis, 3);
        }
        c[c.length - 1] = 'Z';
        return new String(c);
    }

    private static final long MIN_FAST_DAY = LocalDate.of(0, 1, 1).toEpochDay();
    private static final long MAX_FAST_DAY = LocalDate.of(9999, 12, 31).toEpochDay();

    private static void digits(char[] c, int at, int value, int width) {
        for (int i = at + width - 1; i >= at; i--) {
            c[i] = (char) ('0' + value % 10);
            value /= 10;
        }
    }

    private static String str(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String required(JsonNode n, String field) {
        String v = str(n, field);
        if (v == null) {
            throw new MalformedUsageRecordException("missing field " + field);
        }
        return v;
    }

    /** A line of the usage log that cannot be read as a schema-1 or schema-2 record. */
    public static final class MalformedUsageRecordException extends RuntimeException {
        private final String field;

        public MalformedUsageRecordException(String message) {
            this(null, message);
        }

        public MalformedUsageRecordException(String field, String message) {
            super(message);
            this.field = field;
        }

        /** The field that could not be read, when one field is to blame; else null. */
        public String field() {
            return field;
        }
    }
}
