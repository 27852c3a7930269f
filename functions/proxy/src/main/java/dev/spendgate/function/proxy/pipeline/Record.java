package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.fingerprint.PromptFingerprints;
import dev.spendgate.domain.fingerprint.Sha256;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.usage.PromptText;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The end of every authenticated call, whatever happened to it: settles its budget reservation (the actual cost
 * replaces the worst case; an unpriced call keeps its reservation) and appends its one usage record, durable in the
 * journal when this returns. Calls refused before authentication leave no record. A carrier with a remote budget
 * store takes both off the client's path ({@link ResponseSink#runAfterEnd}): they then run after the answer's last
 * byte, and the remaining budget the answer carries is computed from the reservation's answer. Either way a call's
 * journal entry ends only once its record is durable: where the record is in memory until a flush (the deployed
 * proxy), the entry is kept, marked settled, until then, so a process that dies in between leaves the sweeper the
 * call's record to write; where the usage log journals each record (the local gateway), the record is appended before
 * the settlement, which ends the entry.
 */
public final class Record {
    /** Top-level fields that do not change the answer, left out of the request fingerprint. */
    private static final Set<String> NOT_FINGERPRINTED = Set.of("stream", "stream_options", "user", "metadata");

    private final BudgetGate budgets;
    private final UsageLogWriter usageLog;
    private final PricingCatalog pricing;

    public Record(BudgetGate budgets, UsageLogWriter usageLog, PricingCatalog pricing) {
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.usageLog = Objects.requireNonNull(usageLog, "usageLog");
        this.pricing = Objects.requireNonNull(pricing, "pricing");
    }

    /** Settles and records {@code ctx} now; returns the tightest remaining budget after settlement. */
    public Optional<BigDecimal> apply(CallContext ctx) {
        return apply(ctx, task -> false);
    }

    /**
     * Settles and records {@code ctx}, after the response has ended when {@code later} takes the work (a carrier's
     * {@link ResponseSink#runAfterEnd}), else now. Returns the tightest remaining budget after settlement, computed from the
     * reservation when the settlement is still to come.
     */
    public Optional<BigDecimal> apply(CallContext ctx, Predicate<Runnable> later) {
        if (!ctx.authenticated()) {
            return Optional.empty();
        }
        long endNanos = System.nanoTime(); // the call's end as the client sees it, without the settlement
        if (later.test(() -> {
            Runnable[] endEntry = {null};
            settle(ctx, endEntry);
            append(ctx, endNanos, endEntry[0]);
        })) {
            return ctx.budget() == null ? Optional.empty() : ctx.budget().remainingAfter(actual(ctx));
        }
        if (usageLog.journaled()) {
            // The record first: the settlement is what ends the call's journal entry (the ledger's journal names it),
            // so a process killed in between leaves the entry, and the next start charges the call's worst case and
            // writes its record (readers keep the call's own). Settled first, such a kill left spend and no record.
            append(ctx, System.nanoTime(), null);
            Optional<BigDecimal> remaining = settle(ctx, new Runnable[1]);
            CallStages.stamp(CallStages.Stage.SETTLED);
            return remaining;
        }
        Runnable[] endEntry = {null};
        Optional<BigDecimal> remaining = settle(ctx, endEntry);
        CallStages.stamp(CallStages.Stage.SETTLED);
        append(ctx, System.nanoTime(), endEntry[0]);
        return remaining;
    }

    /**
     * Appends the call's record; {@code onSaved} (ending the call's kept journal entry) runs once it is durable. A record
     * that could not be buffered leaves the entry to the sweeper, which writes the call's record.
     */
    private void append(CallContext ctx, long endNanos, Runnable onSaved) {
        try {
            usageLog.append(record(ctx, endNanos), onSaved);
        } catch (UsageLogWriter.UsageJournalException e) {
            Log.error(ctx.requestId(), "usage journal failed; the record is kept in memory until it can be written", e);
        } catch (RuntimeException e) {
            Log.error(ctx.requestId(), "could not buffer the usage record", e);
        }
    }

    /** The cost the budgets are settled at: null keeps an unpriced call's reservation as spend. */
    private static BigDecimal actual(CallContext ctx) {
        return ctx.cost() != null ? ctx.cost() : ctx.pricingStatus() == PricingStatus.UNPRICED ? null : BigDecimal.ZERO;
    }

    /**
     * Settles the call's budgets. Where the usage log holds the record in memory until a flush (no journal: the
     * deployed proxy), the call's journal entry is kept, marked settled, until the record is durable: {@code endEntry}
     * gets the task that then ends it. A process that dies in between leaves the sweeper the call's record to write,
     * and nothing to charge.
     */
    private Optional<BigDecimal> settle(CallContext ctx, Runnable[] endEntry) {
        if (ctx.budget() == null) {
            return Optional.empty();
        }
        BigDecimal actual = actual(ctx);
        try {
            if (!usageLog.journaled()) {
                return budgets.settle(ctx.budget(), actual, end -> endEntry[0] = end);
            }
            return budgets.settle(ctx.budget(), actual);
        } catch (RuntimeException e) {
            Log.error(ctx.requestId(), "could not settle the call's budgets; its usage record keeps the cost", e);
            return Optional.empty();
        }
    }

    UsageRecord record(CallContext ctx, long endNanos) {
        long elapsed = endNanos - ctx.startNanos();
        String provider = ctx.provider() == null ? null : ctx.provider().name();
        String pricingProvider =
                ctx.provider() == null || ctx.provider().pricingProvider().equals(provider)
                        ? null
                        : ctx.provider().pricingProvider();
        return UsageRecord.builder()
                .requestId(ctx.requestId())
                .tsStart(ctx.start())
                .tsEnd(ctx.start().plusNanos(elapsed))
                .keyId(ctx.key().id())
                .attribution(ctx.attribution())
                .provider(provider)
                .pricingProvider(pricingProvider)
                .endpoint(ctx.api() == null ? null : ctx.api().recordName())
                .modelRequested(ctx.modelRequested())
                .modelServed(ctx.modelServed())
                .stream(ctx.stream())
                .statusCode(ctx.statusCode())
                .tokens(ctx.tokens())
                .costUsd(ctx.cost())
                .pricingStatus(ctx.pricingStatus())
                .pricingVersion(pricing.version())
                .usageSource(ctx.usageSource())
                .latencyMs(elapsed / 1_000_000)
                .upstreamMs(ctx.upstreamNanos() / 1_000_000)
                .overheadMs(Math.max(0, (elapsed - ctx.upstreamNanos()) / 1_000_000))
                .maxOutputTokens(ctx.prompt() == null ? null : ctx.prompt().maxOutputTokens())
                .errorType(ctx.errorType())
                .fingerprints(fingerprints(ctx))
                .degradedFrom(ctx.degradedFrom())
                .unenforced(ctx.unenforced())
                .serviceTierRequested(ctx.serviceTierRequested())
                .serviceTierServed(ctx.serviceTierServed())
                .inferenceGeo(ctx.inferenceGeo())
                .inferenceProfileArn(ctx.api() == null ? null : ctx.api().inferenceProfileArn(ctx.modelRequested()))
                .optimization(ctx.optimization().forRecord())
                .build();
    }

    /** The request as fingerprinted: without the fields that do not change the answer (stream, user, metadata). */
    private static UsageRecord.Fingerprints fingerprints(CallContext ctx) {
        if (ctx.body() == null) {
            return null;
        }
        return fingerprints(ctx.body(), ctx.prompt());
    }

    /**
     * The same fingerprints as {@code PromptFingerprints.compute(system, prefix, canonical(body), full, varying)}, with
     * the canonical body digested as it is written (never held as bytes) and no copy of the texts.
     */
    static UsageRecord.Fingerprints fingerprints(ObjectNode body, PromptText prompt) {
        MessageDigest request = Sha256.fresh();
        canonical(body, new DigestOutputStream(OutputStream.nullOutputStream(), request));
        return PromptFingerprints.ofRequestDigest(prompt.system(), prompt.prefix(), request.digest(), prompt.full());
    }

    /**
     * The body's JSON without {@link #NOT_FINGERPRINTED}: its other fields written in one pass straight from the
     * parsed body, the same bytes as a deep copy with those fields removed. The tree is walked here, node by node, as
     * Jackson's own node serializers write it, except that texts go to the generator as char arrays.
     */
    static byte[] canonical(ObjectNode body) {
        ByteArrayBuilder out = new ByteArrayBuilder(2048);
        canonical(body, out);
        return out.toByteArray();
    }

    /** {@link #canonical(ObjectNode)} written to {@code out}. */
    static void canonical(ObjectNode body, OutputStream out) {
        // one buffer for every text of the body, the longest one's size (growing it from a guess cost more than
        // the walk that measures it)
        char[][] scratch = {new char[Math.max(16, longestText(body))]};
        try (JsonGenerator g = Json.MAPPER.createGenerator(out)) {
            g.writeStartObject();
            for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> field = it.next();
                if (!NOT_FINGERPRINTED.contains(field.getKey())) {
                    g.writeFieldName(field.getKey());
                    write(g, field.getValue(), scratch);
                }
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The length of the longest text in {@code node}. */
    private static int longestText(JsonNode node) {
        if (node.isTextual()) {
            return node.textValue().length();
        }
        int longest = 0;
        if (node.isContainerNode()) {
            for (JsonNode child : node) {
                longest = Math.max(longest, longestText(child));
            }
        }
        return longest;
    }

    /** Writes {@code node} as its own {@code serialize} does with the default configuration. */
    private static void write(JsonGenerator g, JsonNode node, char[][] scratch) throws IOException {
        switch (node.getNodeType()) {
            case OBJECT -> {
                g.writeStartObject(node, node.size());
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    g.writeFieldName(field.getKey());
                    write(g, field.getValue(), scratch);
                }
                g.writeEndObject();
            }
            case ARRAY -> {
                g.writeStartArray(node, node.size());
                for (JsonNode item : node) {
                    write(g, item, scratch);
                }
                g.writeEndArray();
            }
            case STRING -> {
                // the same escaping and bytes as writeString(String), which reads the text a char at a time and
                // took three quarters of this method's time on Java 25; copied into one buffer, not a new array each
                String text = node.textValue();
                int length = text.length();
                if (scratch[0].length < length) {
                    scratch[0] = new char[Math.max(length, scratch[0].length * 2)];
                }
                text.getChars(0, length, scratch[0], 0);
                g.writeString(scratch[0], 0, length);
            }
            case BOOLEAN -> g.writeBoolean(node.booleanValue());
            case NULL -> g.writeNull();
            case NUMBER -> {
                switch (node.numberType()) {
                    case BIG_DECIMAL -> g.writeNumber(node.decimalValue());
                    case BIG_INTEGER -> {
                        // every integer is parsed as a BigInteger: one that fits a long has the same digits written
                        // as a long, without BigInteger.toString's work
                        BigInteger value = node.bigIntegerValue();
                        if (value.bitLength() < 64) {
                            g.writeNumber(value.longValue());
                        } else {
                            g.writeNumber(value);
                        }
                    }
                    case INT -> g.writeNumber(node.intValue());
                    case LONG -> g.writeNumber(node.longValue());
                    default -> g.writeTree(node); // float and double nodes: never parsed here, written by Jackson
                }
            }
            default -> g.writeTree(node); // binary, POJO, missing: not parsed from JSON, written by Jackson
        }
    }
}
