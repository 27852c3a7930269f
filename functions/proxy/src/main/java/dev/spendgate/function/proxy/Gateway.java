package dev.spendgate.function.proxy;

import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.CallStages;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.pipeline.Admit;
import dev.spendgate.function.proxy.pipeline.Answer;
import dev.spendgate.function.proxy.pipeline.Attribute;
import dev.spendgate.function.proxy.pipeline.Authenticate;
import dev.spendgate.function.proxy.pipeline.CallContext;
import dev.spendgate.function.proxy.pipeline.CheckFileReferences;
import dev.spendgate.function.proxy.pipeline.Exchange;
import dev.spendgate.function.proxy.pipeline.FileAccess;
import dev.spendgate.function.proxy.pipeline.JournalGate;
import dev.spendgate.function.proxy.pipeline.Price;
import dev.spendgate.function.proxy.pipeline.Record;
import dev.spendgate.function.proxy.pipeline.Refusal;
import dev.spendgate.function.proxy.pipeline.RefusalRenderer;
import dev.spendgate.function.proxy.pipeline.Relay;
import dev.spendgate.function.proxy.pipeline.Rewrite;
import dev.spendgate.function.proxy.pipeline.Stage;
import dev.spendgate.function.proxy.pipeline.Step;
import dev.spendgate.function.proxy.pipeline.Validate;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The gateway core, shared by the local server and the Lambda carriers: a call passes through named stages over an
 * immutable {@link CallContext} (authenticate, attribute, validate, admit, rewrite), is relayed, then priced before
 * its last byte leaves and settled and recorded then (or, where the carrier takes that work, right after the end:
 * {@link ResponseSink#runAfterEnd}). It leaves exactly one usage record per authenticated call, whatever happens
 * to it; a stage's refusal is rendered in one place ({@link RefusalRenderer}) after the call is recorded.
 *
 * <p>To add a stage (routing rules, a response cache lookup), write a {@link Stage} (it may refuse, or answer the
 * call itself with {@link Step#answer}) and put it in the list given to
 * {@link #Gateway(List, Relay, Price, Record, long, UsageLogWriter, Clock)} at its place, e.g. with {@link
 * #standardStages} and {@code List.add(index, stage)}.
 */
public final class Gateway {
    public static final String REQUEST_ID_HEADER = Relay.REQUEST_ID_HEADER;
    public static final String COST_HEADER = Relay.COST_HEADER;
    public static final String REMAINING_HEADER = Relay.REMAINING_HEADER;
    public static final String DEGRADED_HEADER = Relay.DEGRADED_HEADER;

    private final List<Stage> stages;
    private final Relay relay;
    private final Price price;
    private final Record record;
    private final RefusalRenderer refusals = new RefusalRenderer();
    private final long maxBodyBytes;
    private final BodyMemory bodyMemory;
    private final UsageLogWriter usageLog;
    private final Clock clock;

    /** The standard request path over these collaborators. */
    public Gateway(
            KeyStore keys,
            ProviderRouter router,
            PricingCatalog pricing,
            UsageLogWriter usageLog,
            UpstreamClient upstream,
            Clock clock,
            long maxBodyBytes,
            BudgetGate budgets) {
        this(
                standardStages(keys, router, usageLog, clock, maxBodyBytes, budgets),
                new Relay(upstream),
                new Price(pricing, budgets.estimator()),
                new Record(budgets, usageLog, pricing),
                maxBodyBytes,
                usageLog,
                clock);
    }

    /** The standard request path with routing rules, the response cache and prompt caching. */
    public Gateway(
            KeyStore keys,
            ProviderRouter router,
            PricingCatalog pricing,
            UsageLogWriter usageLog,
            UpstreamClient upstream,
            Clock clock,
            long maxBodyBytes,
            BodyMemory bodyMemory,
            BudgetGate budgets,
            dev.spendgate.function.proxy.cache.Optimizations optimizations,
            FileAccess files) {
        this(
                optimizedStages(keys, router, usageLog, clock, maxBodyBytes, budgets, optimizations, files),
                new Relay(upstream, new dev.spendgate.function.proxy.cache.CacheFill(optimizations)),
                new Price(pricing, budgets.estimator()),
                new Record(budgets, usageLog, pricing),
                maxBodyBytes,
                bodyMemory,
                usageLog,
                clock);
    }

    /**
     * The standard stages with routing (after validation), the cache lookup (before admission: a hit spends no
     * budget: a hit answers the call there) and prompt caching (before admission too: the reservation prices the
     * cache write the gateway's breakpoint causes; the rewrite forwards the marked body, re-decided after admission
     * for a call a degrade budget moved).
     */
    public static List<Stage> optimizedStages(
            KeyStore keys,
            ProviderRouter router,
            UsageLogWriter usageLog,
            Clock clock,
            long maxBodyBytes,
            BudgetGate budgets,
            dev.spendgate.function.proxy.cache.Optimizations optimizations,
            FileAccess files) {
        List<Stage> stages = standardStages(keys, router, usageLog, clock, maxBodyBytes, budgets, files);
        int admit = indexOf(stages, Admit.class);
        List<Stage> out = new java.util.ArrayList<>(stages.subList(0, admit));
        out.add(new dev.spendgate.function.proxy.cache.RouteStage(optimizations, budgets.estimator()));
        out.add(new dev.spendgate.function.proxy.cache.CacheLookupStage(optimizations));
        out.add(new dev.spendgate.function.proxy.cache.PromptCacheStage(optimizations));
        out.add(stages.get(admit));
        // a degrade budget may have moved the call to a model that does not cache the prefix as marked
        out.add(new dev.spendgate.function.proxy.cache.DegradedPromptCacheStage(optimizations));
        out.addAll(stages.subList(admit + 1, stages.size()));
        return out;
    }

    private static int indexOf(List<Stage> stages, Class<?> type) {
        for (int i = 0; i < stages.size(); i++) {
            if (type.isInstance(stages.get(i))) {
                return i;
            }
        }
        throw new IllegalStateException("no " + type.getSimpleName() + " stage");
    }

    /** A gateway running {@code stages} in order before relaying, large bodies held on half the heap. */
    public Gateway(
            List<Stage> stages,
            Relay relay,
            Price price,
            Record record,
            long maxBodyBytes,
            UsageLogWriter usageLog,
            Clock clock) {
        this(stages, relay, price, record, maxBodyBytes, BodyMemory.halfOfHeap(), usageLog, clock);
    }

    /**
     * A gateway running {@code stages} in order before relaying; each call holds its large body on {@code bodyMemory}
     * (the lease {@link Validate} takes from).
     */
    public Gateway(
            List<Stage> stages,
            Relay relay,
            Price price,
            Record record,
            long maxBodyBytes,
            BodyMemory bodyMemory,
            UsageLogWriter usageLog,
            Clock clock) {
        this.bodyMemory = Objects.requireNonNull(bodyMemory, "bodyMemory");
        this.stages = List.copyOf(stages);
        this.relay = Objects.requireNonNull(relay, "relay");
        this.price = Objects.requireNonNull(price, "price");
        this.record = Objects.requireNonNull(record, "record");
        this.maxBodyBytes = maxBodyBytes;
        this.usageLog = Objects.requireNonNull(usageLog, "usageLog");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Authenticate, attribute, validate, check the usage journal, admit, rewrite: the stages before the relay, in
     * order. A mutable list, so a
     * stage can be inserted where it belongs (a cache lookup before {@link Admit}, routing rules before {@link
     * Rewrite}).
     */
    public static List<Stage> standardStages(
            KeyStore keys,
            ProviderRouter router,
            UsageLogWriter usageLog,
            Clock clock,
            long maxBodyBytes,
            BudgetGate budgets) {
        return standardStages(keys, router, usageLog, clock, maxBodyBytes, budgets, FileAccess.NO_UPLOADS);
    }

    /** As above, the file ids a call names checked against the uploads {@code files} knows (after validation). */
    public static List<Stage> standardStages(
            KeyStore keys,
            ProviderRouter router,
            UsageLogWriter usageLog,
            Clock clock,
            long maxBodyBytes,
            BudgetGate budgets,
            FileAccess files) {
        return new java.util.ArrayList<>(List.of(
                new Authenticate(keys),
                new Attribute(),
                new Validate(router, maxBodyBytes),
                new JournalGate(usageLog),
                new CheckFileReferences(files),
                new Admit(budgets, clock),
                new Rewrite()));
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    /** The pool large request bodies are held on, raw (by the local server) and parsed. */
    public BodyMemory bodyMemory() {
        return bodyMemory;
    }

    public UsageLogWriter usageLog() {
        return usageLog;
    }

    /** Handles one request; never throws for anything the client or the upstream did. */
    public void handle(GatewayRequest request, ResponseSink sink) {
        try (BodyMemory.Lease lease = bodyMemory.lease()) {
            handle(CallContext.start(newRequestId(), clock.instant(), System.nanoTime(), request, lease), sink);
        }
    }

    private void handle(CallContext ctx, ResponseSink sink) {
        Exchange exchange = Exchange.of(sink, (c, tracked) -> conclude(c, tracked, sink), ctx);
        try {
            for (Stage stage : stages) {
                Step step = stage.apply(ctx);
                ctx = step.context();
                exchange.progress(ctx);
                if (step.refused()) {
                    refuse(ctx, step.refusal(), exchange);
                    return;
                }
                if (step.answered()) {
                    answer(ctx, step.answer(), exchange);
                    return;
                }
            }
            CallStages.stamp(CallStages.Stage.ADMITTED);
            Step relayed = relay.relay(ctx, exchange);
            if (relayed.refused()) {
                refuse(relayed.context(), relayed.refusal(), exchange);
            }
        } catch (RuntimeException e) {
            Log.error(ctx.requestId(), "unexpected failure handling the call", e);
            failed(exchange);
        }
    }

    /** Records the refused call, then tells the client: the record is durable before the answer leaves. */
    private void refuse(CallContext ctx, Refusal refusal, Exchange exchange) {
        CallContext refused = refusals.refused(ctx, refusal);
        exchange.conclude(refused, null);
        refusals.send(refused, refusal, exchange);
    }

    /** A stage answered the call itself: recorded first, then sent with the request id. */
    private void answer(CallContext ctx, Answer answer, Exchange exchange) {
        CallContext answered = ctx.statusCode() != 0 ? ctx : ctx.with(b -> b.statusCode = answer.status());
        exchange.conclude(answered, null);
        Headers headers = new Headers();
        answer.headers().forEach(headers::add);
        headers.set(REQUEST_ID_HEADER, ctx.requestId());
        try {
            exchange.start(answer.status(), headers, answer.body().length);
            exchange.sink().write(answer.body());
            exchange.sink().end();
        } catch (IOException e) {
            // the client left; the record already says what was served
        }
    }

    /**
     * Something unexpected failed: a 500 if nothing was sent yet, and the call's record either way. A call the provider
     * answered with a 2xx was generated and is billed: it is recorded unpriced (its worst case stays spent), never as
     * not billable, unless it went to a free endpoint.
     */
    private void failed(Exchange exchange) {
        if (exchange.concluded()) {
            return;
        }
        CallContext ctx = exchange.latest().with(b -> {
            b.errorType = b.errorType == null ? "gateway_error" : b.errorType;
            if (b.statusCode >= 200
                    && b.statusCode < 300
                    && b.pricingStatus == PricingStatus.NOT_BILLABLE
                    && (b.api == null || b.api.billed())) {
                b.pricingStatus = PricingStatus.UNPRICED;
            }
            b.statusCode = b.statusCode == 0 ? 500 : b.statusCode;
        });
        try {
            if (exchange.started()) {
                exchange.conclude(ctx, null);
            } else {
                refuse(ctx, Refusal.of(500, "api_error", "Spendgate failed to handle the call.", null), exchange);
            }
        } catch (RuntimeException e) {
            Log.error(ctx.requestId(), "could not record a failed call", e);
        }
    }

    /**
     * Prices the call from what was read (when anything was), settles its budgets and appends its record: now, or
     * after the response has ended when the carrier's sink takes that work ({@link ResponseSink#runAfterEnd}).
     */
    private Exchange.Concluded conclude(CallContext ctx, TrackedUsage tracked, ResponseSink sink) {
        CallContext done = tracked == null ? ctx : price.apply(ctx, tracked);
        CallStages.stamp(CallStages.Stage.PRICED);
        return new Exchange.Concluded(done, record.apply(done, sink::runAfterEnd));
    }

    private static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new UUID((r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
                .toString();
    }
}
