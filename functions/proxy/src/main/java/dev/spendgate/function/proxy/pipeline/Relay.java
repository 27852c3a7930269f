package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.function.proxy.Log;
import dev.spendgate.function.proxy.bedrock.EventStreamDecoder;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderApi;
import dev.spendgate.function.proxy.upstream.SecurityTokenRedaction;
import dev.spendgate.function.proxy.upstream.UpstreamAuth;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import dev.spendgate.function.proxy.usage.SseDecoder;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Forwards the call with the provider's credentials and relays the answer as it arrives, reading its usage on the
 * way. The call is concluded (priced, settled, recorded) before the last byte leaves: a whole answer before it
 * starts, a stream before its terminating chunk. A stream cut by the provider is aborted, so the client's SDK sees
 * an error. Refuses (nothing sent) when the call cannot be signed (503) or the provider fails before answering (502).
 */
public final class Relay {
    public static final String REQUEST_ID_HEADER = "X-Spendgate-Request-Id";
    public static final String COST_HEADER = "X-Spendgate-Cost-Usd";
    public static final String REMAINING_HEADER = "X-Spendgate-Budget-Remaining-Usd";
    public static final String DEGRADED_HEADER = "X-Spendgate-Degraded";
    /** The error type of a stream the carrier stopped before its deadline (Lambda's invocation timeout). */
    public static final String INVOCATION_DEADLINE = "invocation_deadline";
    /** The error type of a 2xx answer in a content coding Spendgate cannot decode: its usage is unknown. */
    public static final String USAGE_UNREADABLE = "usage_unreadable";
    /** A non-streamed answer larger than the body memory pool could hold for the call: not relayed. */
    public static final String ANSWER_TOO_LARGE = "upstream_answer_too_large";

    private static final Set<String> DROP_RESPONSE =
            Set.of("connection", "keep-alive", "transfer-encoding", "content-length", "trailer", "upgrade", ":status");

    /** The most a stream relay gathers into one write when the upstream has sent several events at once. */
    private static final int RELAY_BUFFER = 16 * 1024;

    private final UpstreamClient upstream;
    private final ResponseTap tap;

    public Relay(UpstreamClient upstream) {
        this(upstream, ResponseTap.NONE);
    }

    /** A relay whose answers {@code tap} also sees (the response cache fills from it). */
    public Relay(UpstreamClient upstream, ResponseTap tap) {
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.tap = Objects.requireNonNull(tap, "tap");
    }

    /** Relays the call; a refusal means nothing was sent to the client yet. */
    public Step relay(CallContext ctx, Exchange exchange) {
        ProviderApi api = ctx.api();
        Provider provider = ctx.provider();
        Headers out = new Headers();
        Set<String> clientHops = ctx.request().headers().connectionNamed(); // the client's connection's, not ours
        ctx.request().headers().forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (api.forwardsHeader(lower) && !clientHops.contains(lower)) {
                out.add(name, value);
            }
        });
        URI uri = api.upstreamUri(provider, ctx.modelForwarded());
        switch (provider.auth()) {
            case BEARER -> out.set("Authorization", "Bearer " + provider.apiKey());
            case X_API_KEY -> out.set("x-api-key", provider.apiKey());
            case API_KEY -> out.set("api-key", provider.apiKey());
            case SIGV4 -> {
                try {
                    provider.signer().sign(uri, out, ctx.outgoing());
                } catch (RuntimeException e) {
                    Log.error(ctx.requestId(), "could not sign the call for provider '" + provider.name() + "'", e);
                    return Step.refuse(
                            ctx,
                            Refusal.of(
                                            503,
                                            "api_error",
                                            "Spendgate has no usable AWS credentials to sign the call to provider '"
                                                    + provider.name() + "'.",
                                            null)
                                    .recordedAs("provider_not_configured"));
                }
            }
            case NONE -> {}
        }
        api.addRequiredHeaders(out);
        long upstreamStart = System.nanoTime();
        UpstreamClient.Response response;
        try {
            response = upstream.post(uri, out, ctx.outgoing());
        } catch (UpstreamClient.NoAnswer e) {
            // sent whole: the provider may be generating (and will bill) it, so its worst case stays spent
            return failed(
                    billedUnseen(ctx),
                    upstreamStart,
                    e.timedOut()
                            ? "Provider '" + provider.name() + "' received the call but did not answer in time."
                            : "Provider '" + provider.name() + "' received the call but closed the connection"
                                    + " without answering.",
                    e.timedOut() ? "upstream_timeout" : "upstream_no_answer");
        } catch (IOException e) {
            return failed(
                    ctx,
                    upstreamStart,
                    "Spendgate could not reach provider '" + provider.name() + "'.",
                    "upstream_unreachable");
        }
        ctx = ctx.with(b -> b.statusCode = response.status());
        exchange.progress(ctx);
        Headers back = new Headers();
        Set<String> connectionNamed = response.headers().connectionNamed();
        response.headers().forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (!DROP_RESPONSE.contains(lower) && !Headers.isSpendgates(lower) && !connectionNamed.contains(lower)) {
                back.add(name, value);
            }
        });
        back.set(REQUEST_ID_HEADER, ctx.requestId());
        if (ctx.degradedFrom() != null) {
            back.set(DEGRADED_HEADER, ctx.degradedFrom() + " -> " + ctx.modelForwarded());
        }
        tap.headers(ctx, back);
        String contentType = response.headers().first("content-type");
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        UsageReading reading = api.usageReading(response.headers());
        if (coded(response.headers())) {
            // a coding Spendgate does not decode (gzip and deflate are decoded): relayed as it came, with its
            // Content-Encoding; its usage cannot be read, so a 2xx one keeps its worst case as spent
            CallContext unread = ok(ctx) ? billedUnseen(ctx).with(b -> b.errorType = USAGE_UNREADABLE) : ctx;
            if (type.startsWith("text/event-stream") || type.startsWith("application/vnd.amazon.eventstream")) {
                return stream(
                        unread,
                        response,
                        back,
                        exchange,
                        null,
                        (b, o, n) -> {},
                        () -> false,
                        () -> false,
                        null,
                        upstreamStart);
            }
            return whole(unread, response, back, exchange, null, upstreamStart);
        }
        if (type.startsWith("text/event-stream")) {
            // an event larger than the call's share of the body memory pool is passed over unread
            SseDecoder decoder = new SseDecoder(reading.sseEvents(), ctx.bodyLease()::take);
            UsageChunkFilter filter = ctx.hidesUsageChunk() ? new UsageChunkFilter() : null;
            return stream(
                    ctx,
                    response,
                    back,
                    exchange,
                    reading,
                    decoder::feed,
                    decoder::hasPartialEvent,
                    decoder::dropped,
                    filter,
                    upstreamStart);
        }
        if (type.startsWith("application/vnd.amazon.eventstream")) {
            EventStreamDecoder decoder = new EventStreamDecoder(reading.eventStreamEvents());
            return stream(
                    ctx,
                    response,
                    back,
                    exchange,
                    reading,
                    decoder::feed,
                    decoder::hasPartialEvent,
                    () -> false,
                    null,
                    upstreamStart);
        }
        return whole(ctx, response, back, exchange, reading, upstreamStart);
    }

    /** Whether the answer is still in a content coding (one the upstream client did not decode). */
    private static boolean coded(Headers headers) {
        String coding = headers.first("content-encoding");
        return coding != null && !coding.isBlank() && !coding.trim().equalsIgnoreCase("identity");
    }

    private static boolean ok(CallContext ctx) {
        return ctx.statusCode() >= 200 && ctx.statusCode() < 300;
    }

    /**
     * A call the provider may have billed without Spendgate seeing its usage: recorded {@code unpriced} (cost unknown,
     * not zero), so its budgets keep the worst case reserved before forwarding as spent, as for a model without a price.
     */
    private static CallContext billedUnseen(CallContext ctx) {
        return ctx.with(b -> b.pricingStatus = PricingStatus.UNPRICED);
    }

    /** The provider failed before an answer could be relayed: 502, nothing from it reaches the client. */
    private static Step failed(CallContext ctx, long upstreamStart, String message, String errorType) {
        long nanos = System.nanoTime() - upstreamStart;
        return Step.refuse(
                ctx.with(b -> b.upstreamNanos = nanos),
                Refusal.of(502, "api_error", message, null).recordedAs(errorType));
    }

    private Step whole(
            CallContext ctx,
            UpstreamClient.Response response,
            Headers back,
            Exchange exchange,
            UsageReading reading,
            long upstreamStart) {
        byte[] body;
        ResponseSink sink = exchange.sink();
        try (InputStream stream = response.body()) {
            sink.readingWhole(stream);
            try {
                body = AnswerBuffer.read(stream, ctx.bodyLease());
            } finally {
                sink.readingWhole(null);
            }
        } catch (AnswerBuffer.TooLarge e) {
            // a 2xx answer was generated (and billed) whole: its worst case stays spent
            return failed(
                    ok(ctx) ? billedUnseen(ctx) : ctx,
                    upstreamStart,
                    "Provider '" + ctx.provider().name() + "' answered with more than " + e.bytesRead
                            + " bytes, more than this gateway can hold for one answer now"
                            + " (SPENDGATE_BODY_MEMORY_BYTES); nothing of it was relayed.",
                    ANSWER_TOO_LARGE);
        } catch (IOException e) {
            // a 2xx answer is generated (and billed) before its first byte leaves: its worst case stays spent
            if (sink.relayCut()) {
                // the carrier stopped reading (the invocation's deadline is near): recorded while there is time
                return failed(
                        ok(ctx) ? billedUnseen(ctx) : ctx,
                        upstreamStart,
                        "Provider '" + ctx.provider().name() + "' was still sending its answer when Spendgate's time"
                                + " for the call ran out.",
                        sink.relayCutAs());
            }
            return failed(
                    ok(ctx) ? billedUnseen(ctx) : ctx,
                    upstreamStart,
                    "Provider '" + ctx.provider().name() + "' closed the connection before its answer was complete.",
                    "upstream_truncated");
        }
        long nanos = System.nanoTime() - upstreamStart;
        ctx = ctx.with(b -> b.upstreamNanos = nanos);
        boolean ok = ok(ctx);
        boolean read = ok && reading != null; // null: a coding Spendgate cannot decode, nothing to read
        TrackedUsage tracked = null;
        if (read) {
            reading.onBody(body);
            tracked = reading.result();
        } else if (!ok) {
            body = relayedErrorBody(ctx.provider(), body);
            String billed = BilledRefusals.of(ctx.provider(), ctx.statusCode(), body);
            if (billed != null) {
                // evaluated (and billed) before it was refused: priced as a refusal, never as not billable
                ctx = ctx.with(b -> b.errorType = billed);
                tracked = TrackedUsage.billedRefusal();
            }
        }
        Exchange.Concluded done = exchange.conclude(ctx, tracked); // durable before the answer
        ctx = done.context();
        if (ctx.cost() != null) {
            back.set(COST_HEADER, ctx.cost().toPlainString());
        }
        done.remaining().ifPresent(remaining -> back.set(REMAINING_HEADER, remaining.toPlainString()));
        try {
            exchange.start(response.status(), back, body.length);
            exchange.sink().write(body);
            exchange.sink().end();
        } catch (IOException e) {
            // the client left; the record already says what was served
        }
        if (read) {
            tap.whole(ctx, body); // after the answer left: a cache fill adds nothing to the call's latency
        }
        return Step.proceed(ctx);
    }

    /**
     * An upstream error answer's body as the client gets it: a provider signed with SigV4 (Bedrock, or an OpenAI-format
     * endpoint such as Bedrock's {@code /openai/v1}) may spell out the canonical request in a signature error, with the
     * gateway's own session token; that value is redacted.
     */
    static byte[] relayedErrorBody(Provider provider, byte[] body) {
        return provider.auth() == UpstreamAuth.SIGV4 ? SecurityTokenRedaction.redact(body) : body;
    }

    /** Bytes the upstream stream holds that a read returns without blocking; 0 when it cannot tell. */
    private static int ready(InputStream stream) {
        try {
            return stream.available();
        } catch (IOException e) {
            return 0; // the next read reports it
        }
    }

    /**
     * Writes {@code buffer[0, pending)} to the client, through {@code filter} when there is one; returns how many bytes
     * (an unfinished event the filter holds back) are left at the start of {@code buffer}.
     */
    private static int write(ResponseSink sink, UsageChunkFilter filter, byte[] buffer, int pending, boolean last)
            throws IOException {
        if (filter == null) {
            sink.write(buffer, 0, pending);
            return 0;
        }
        return filter.write(sink, buffer, pending, last);
    }

    /** What reads a stream's frames as they pass: SSE, or AWS event-stream. */
    private interface StreamFeed {
        void feed(byte[] bytes, int offset, int count);
    }

    private Step stream(
            CallContext ctx,
            UpstreamClient.Response response,
            Headers back,
            Exchange exchange,
            UsageReading reading,
            StreamFeed decoder,
            BooleanSupplier partialEvent,
            BooleanSupplier eventDropped,
            UsageChunkFilter filter,
            long upstreamStart) {
        ResponseSink sink = exchange.sink();
        ResponseTap.StreamTap watcher = ok(ctx) && reading != null ? tap.stream(ctx) : null;
        boolean clientGone = false;
        boolean upstreamCut = false;
        byte[] buffer = new byte[RELAY_BUFFER];
        int pending = 0; // read and fed, not yet written to the client
        try (InputStream stream = response.body()) {
            try {
                exchange.start(response.status(), back, -1);
                if (ready(stream) == 0) {
                    sink.flush(); // nothing to send with them: the status and headers leave now
                }
            } catch (IOException e) {
                clientGone = true;
            }
            sink.relaying(stream);
            try {
                while (!clientGone) {
                    int n;
                    try {
                        n = stream.read(buffer, pending, buffer.length - pending);
                    } catch (IOException e) {
                        upstreamCut = true;
                        break;
                    }
                    if (n < 0) {
                        break;
                    }
                    decoder.feed(buffer, pending, n);
                    if (watcher != null) {
                        watcher.feed(buffer, pending, n);
                    }
                    pending += n;
                    if (pending < buffer.length) {
                        if (ready(stream) > 0) {
                            continue; // more has arrived already: it leaves in the same write
                        }
                        if (response.bodyEnded()) {
                            break; // the rest leaves with the terminating chunk, after the conclusion
                        }
                    }
                    try {
                        pending = write(sink, filter, buffer, pending, false);
                        sink.flush(); // the upstream has nothing more yet: never hold an event back
                    } catch (IOException e) {
                        clientGone = true;
                        pending = 0;
                    }
                }
            } finally {
                sink.relaying(null); // from here the stream is closed by this thread only
            }
        } catch (IOException e) {
            // closing an abandoned upstream stream may fail; nothing to do
        }
        long nanos = System.nanoTime() - upstreamStart;
        clientGone |= sink.clientLeft(); // the carrier closed the upstream stream when the client left
        boolean stopped = sink.relayCut();
        boolean cut = upstreamCut || stopped || partialEvent.getAsBoolean();
        String errorType =
                clientGone ? "client_disconnected" : stopped ? sink.relayCutAs() : cut ? "upstream_truncated" : null;
        ctx = ctx.with(b -> {
            b.upstreamNanos = nanos;
            b.errorType = errorType != null ? errorType : b.errorType;
        });
        if (ok(ctx) && eventDropped.getAsBoolean()) {
            // an event too large to hold was relayed unread: the usage it may have held is unknown, so the call's
            // worst case stays spent
            ctx = billedUnseen(ctx).with(b -> b.errorType = b.errorType != null ? b.errorType : USAGE_UNREADABLE);
        }
        // durable before the last byte (the terminating chunk) leaves
        ctx = exchange.conclude(
                        ctx, ok(ctx) && reading != null && !eventDropped.getAsBoolean() ? reading.result() : null)
                .context();
        if (clientGone) {
            // a client seen leaving (its input ended after the answer began) may still be reading: it must see an
            // error, not a clean end of a short answer; on a connection already dead this changes nothing
            sink.abort();
            return Step.proceed(ctx);
        }
        if (cut) {
            try {
                if (pending > 0) {
                    write(sink, filter, buffer, pending, true); // what did arrive, as it would have without the cut
                }
                sink.flush();
            } catch (IOException e) {
                // the client left too
            }
            sink.abort(); // the client's SDK must see an error, not a clean end of a short answer
            return Step.proceed(ctx);
        }
        try {
            if (pending > 0) {
                write(sink, filter, buffer, pending, true); // one write with the terminating chunk
            }
            sink.end();
        } catch (IOException e) {
            // the client left at the very end; the record already says what was served
        }
        if (watcher != null) {
            watcher.done(ctx);
        }
        return Step.proceed(ctx);
    }
}
