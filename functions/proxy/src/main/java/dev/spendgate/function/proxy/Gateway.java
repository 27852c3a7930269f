package dev.spendgate.function.proxy;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.budget.BudgetDecision;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.fingerprint.PromptFingerprints;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.domain.pricing.CallPricer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.domain.usage.UsageRecord.PricingStatus;
import dev.spendgate.domain.usage.UsageRecord.UsageSource;
import dev.spendgate.function.proxy.bedrock.BedrockErrors;
import dev.spendgate.function.proxy.bedrock.BedrockPath;
import dev.spendgate.function.proxy.bedrock.BedrockRequests;
import dev.spendgate.function.proxy.bedrock.EventStreamDecoder;
import dev.spendgate.function.proxy.bedrock.InferenceProfiles;
import dev.spendgate.function.proxy.bedrock.InvocationMetrics;
import dev.spendgate.function.proxy.bedrock.InvokeStreamChunks;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.http.ErrorBodies;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.http.RequestLimits;
import dev.spendgate.function.proxy.http.ResponseSink;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import dev.spendgate.function.proxy.upstream.UpstreamClient;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.RequestedServiceTier;
import dev.spendgate.function.proxy.usage.SseDecoder;
import dev.spendgate.function.proxy.usage.TokenCounter;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageTracker;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The gateway core, shared by the local server and the Lambda handlers: authenticates the Spendgate key, reads
 * attribution, forwards the request to the provider unchanged (except where documented), relays the response as it
 * arrives, and leaves exactly one usage record per authenticated call, whatever happens to it.
 */
public final class Gateway {
    public static final String REQUEST_ID_HEADER = "X-Spendgate-Request-Id";
    public static final String COST_HEADER = "X-Spendgate-Cost-Usd";
    public static final String REMAINING_HEADER = "X-Spendgate-Budget-Remaining-Usd";
    public static final String DEGRADED_HEADER = "X-Spendgate-Degraded";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.USE_BIG_INTEGER_FOR_INTS);
    private static final String[] ATTRIBUTION_HEADERS = {
        "X-Cost-Feature",
        "X-Cost-Department",
        "X-Cost-Team",
        "X-Cost-Environment",
        "X-Cost-Session",
        "X-Cost-User",
        "X-Cost-Run"
    };
    /** Request headers never forwarded: hop-by-hop, our own, client credentials, and compression (usage is read). */
    private static final Set<String> DROP_REQUEST = Set.of(
            "host",
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "te",
            "trailer",
            "upgrade",
            "content-length",
            "expect",
            "authorization",
            "x-api-key",
            "api-key",
            "accept-encoding",
            "http2-settings");

    private static final Set<String> DROP_RESPONSE = Set.of(
            "connection",
            "keep-alive",
            "transfer-encoding",
            "content-length",
            "content-encoding",
            "trailer",
            "upgrade",
            ":status");

    private final KeyStore keys;
    private final ProviderRouter router;
    private final PricingCatalog pricing;
    private final UsageLogWriter usageLog;
    private final UpstreamClient upstream;
    private final Clock clock;
    private final long maxBodyBytes;
    private final BudgetGate budgets;
    /** Warned once each, up to this many models (the set grows with what providers answer, so it is bounded). */
    private static final int MAX_UNPRICED_WARNED = 1_000;

    private final Set<String> unpricedWarned = ConcurrentHashMap.newKeySet();
    private volatile dev.spendgate.function.proxy.outcome.OutcomesApi outcomes;

    public Gateway(
            KeyStore keys,
            ProviderRouter router,
            PricingCatalog pricing,
            UsageLogWriter usageLog,
            UpstreamClient upstream,
            Clock clock,
            long maxBodyBytes,
            BudgetGate budgets) {
        this.budgets = Objects.requireNonNull(budgets, "budgets");
        this.keys = Objects.requireNonNull(keys, "keys");
        this.router = Objects.requireNonNull(router, "router");
        this.pricing = Objects.requireNonNull(pricing, "pricing");
        this.usageLog = Objects.requireNonNull(usageLog, "usageLog");
        this.upstream = Objects.requireNonNull(upstream, "upstream");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxBodyBytes = maxBodyBytes;
    }

    public long maxBodyBytes() {
        return maxBodyBytes;
    }

    public UsageLogWriter usageLog() {
        return usageLog;
    }

    /** Serves {@code POST /v1/outcomes} beside the LLM endpoints. */
    public Gateway serveOutcomes(dev.spendgate.function.proxy.outcome.OutcomesApi api) {
        this.outcomes = api;
        return this;
    }

    /** Handles one request; never throws for anything the client or the upstream did. */
    public void handle(GatewayRequest request, ResponseSink sink) {
        if (outcomes != null && dev.spendgate.function.proxy.outcome.OutcomesApi.handles(request.path())) {
            outcomes.handle(request, sink);
            return;
        }
        Call call = new Call(newRequestId(), clock.instant(), System.nanoTime());
        call.bedrock = BedrockPath.parse(request.path()).orElse(null);
        Optional<Endpoint> endpoint = call.bedrock != null
                ? Optional.of(call.bedrock.operation().estimateAs())
                : Endpoint.forPath(request.path());
        call.format = call.bedrock != null || BedrockPath.isBedrock(request.path())
                ? ApiFormat.BEDROCK
                : endpoint.map(Endpoint::format)
                        .orElse(request.path().contains("messages") ? ApiFormat.ANTHROPIC : ApiFormat.OPENAI);
        String secret = credential(request.headers());
        Optional<ProxyKey> key = secret == null ? Optional.empty() : keys.findByHash(ProxyKeys.hash(secret));
        if (key.isPresent()
                && key.get().enabled()
                && (endpoint.isEmpty() || !"POST".equalsIgnoreCase(request.method()))) {
            // An authenticated caller's wrong path or method still leaves its one record (not billable).
            call.key = key.get();
            call.attribution = call.key.defaults().orElse(envDefault(call.key));
        }
        try {
            routeAndForward(call, request, sink, endpoint, secret, key);
        } catch (RuntimeException e) {
            Log.error(call.requestId, "unexpected failure handling the call", e);
            call.errorType = call.errorType == null ? "gateway_error" : call.errorType;
            if (!call.started) {
                respondError(call, sink, 500, "api_error", "Spendgate failed to handle the call.", null);
            }
            if (call.statusCode == 0) {
                call.statusCode = 500;
            }
        } finally {
            finish(call);
        }
    }

    private void routeAndForward(
            Call call,
            GatewayRequest request,
            ResponseSink sink,
            Optional<Endpoint> endpoint,
            String secret,
            Optional<ProxyKey> key) {
        if (endpoint.isEmpty()) {
            respondError(
                    call,
                    sink,
                    404,
                    "not_found_error",
                    "Unknown path " + sanitize(request.path())
                            + ". Spendgate serves POST /v1/chat/completions, /v1/responses, /v1/embeddings and"
                            + " /v1/messages, and the Bedrock runtime's POST /model/{modelId}/converse,"
                            + " /converse-stream, /invoke and /invoke-with-response-stream.",
                    "path");
            return;
        }
        call.endpoint = endpoint.get();
        if (!"POST".equalsIgnoreCase(request.method())) {
            respondError(
                    call,
                    sink,
                    405,
                    "invalid_request_error",
                    "Method " + sanitize(request.method()) + " is not allowed on "
                            + (call.bedrock != null
                                    ? "/model/{modelId}/"
                                            + call.bedrock.operation().pathSuffix()
                                    : call.endpoint.path())
                            + "; use POST.",
                    "method");
            return;
        }
        if (secret == null) {
            respondError(
                    call,
                    sink,
                    401,
                    "authentication_error",
                    call.bedrock != null
                            ? "Missing Spendgate key: send it as 'x-api-key: sg-...' or 'Authorization: Bearer sg-...'"
                                    + " (with the AWS SDK: a token provider or an x-api-key header override)."
                            : "Missing Spendgate key: send it as 'Authorization: Bearer sg-...' or 'x-api-key: sg-...'.",
                    "authorization");
            return;
        }
        if (key.isEmpty() || !key.get().enabled()) {
            respondError(
                    call,
                    sink,
                    401,
                    "authentication_error",
                    key.isEmpty() ? "Invalid Spendgate key." : "This Spendgate key has been revoked.",
                    "authorization");
            return;
        }
        call.key = key.get();
        call.attribution = call.key.defaults().orElse(envDefault(call.key));
        forward(call, request, sink);
    }

    private void forward(Call call, GatewayRequest request, ResponseSink sink) {
        Headers in = request.headers();
        if (usageLog.journalFailing() && !usageLog.retryJournal()) {
            // A call answered must be a call recorded: nothing is forwarded while records cannot be made durable.
            call.errorType = "usage_log_unavailable";
            respondError(
                    call,
                    sink,
                    503,
                    "api_error",
                    "Spendgate cannot write its usage journal (is its data directory full?); nothing was forwarded.",
                    null,
                    Map.of("Retry-After", "5"),
                    Map.of());
            return;
        }
        String contentType = in.first("content-type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            respondError(
                    call, sink, 415, "invalid_request_error", "Content-Type must be application/json.", "content-type");
            return;
        }
        if (request.body().length > maxBodyBytes) {
            respondError(
                    call,
                    sink,
                    413,
                    "request_too_large",
                    "Request body is larger than the " + maxBodyBytes + " bytes Spendgate accepts.",
                    "body");
            return;
        }
        Attribution fromHeaders;
        try {
            fromHeaders = attributionFrom(in);
        } catch (InvalidHeaderException e) {
            respondError(call, sink, 400, "invalid_request_error", e.getMessage(), e.header);
            return;
        }
        call.attribution = fromHeaders.orElse(call.attribution);
        JsonNode body;
        try {
            body = JSON.readTree(request.body());
        } catch (IOException e) {
            respondError(call, sink, 400, "invalid_request_error", "The request body is not valid JSON.", "body");
            return;
        }
        if (body == null || !body.isObject()) {
            respondError(call, sink, 400, "invalid_request_error", "The request body must be a JSON object.", "body");
            return;
        }
        if (call.bedrock != null) {
            Optional<BedrockRequests.Invalid> invalid = BedrockRequests.validate(call.bedrock.operation(), body);
            if (invalid.isPresent()) {
                respondError(
                        call,
                        sink,
                        400,
                        "invalid_request_error",
                        invalid.get().message(),
                        invalid.get().field());
                return;
            }
            call.modelRequested = call.bedrock.modelId();
            call.stream = call.bedrock.operation().stream();
        } else if (!readModelAndStream(call, body, sink)) {
            return;
        }
        Optional<RequestLimits.Invalid> outOfBounds = RequestLimits.check(body, call.modelRequested);
        if (outOfBounds.isPresent()) {
            if (outOfBounds.get().field().equals("model")) {
                call.modelRequested = null; // a refused model name is not kept (it may be megabytes long)
            }
            respondError(
                    call,
                    sink,
                    400,
                    "invalid_request_error",
                    outOfBounds.get().message(),
                    outOfBounds.get().field());
            return;
        }
        Optional<Provider> provider = router.route(call.format, call.modelRequested);
        if (provider.isEmpty()) {
            respondError(
                    call,
                    sink,
                    400,
                    "invalid_request_error",
                    "No provider is configured for model '" + sanitize(call.modelRequested) + "' on "
                            + (call.bedrock != null ? "the Bedrock runtime" : call.endpoint.path()) + ".",
                    "model");
            return;
        }
        call.provider = provider.get();
        if (call.provider.missingKey()) {
            call.errorType = "provider_not_configured";
            respondError(
                    call,
                    sink,
                    503,
                    "api_error",
                    "Provider '" + call.provider.name() + "' has no API key configured in Spendgate.",
                    null);
            return;
        }

        PromptText prompt = call.bedrock != null
                ? BedrockRequests.prompt(call.bedrock.operation(), body)
                : PromptText.of(call.endpoint, body);
        call.prompt = prompt;
        call.maxOutputTokens = prompt.maxOutputTokens();
        call.body = (ObjectNode) body;
        if (!admit(call, sink, prompt)) {
            return;
        }
        ObjectNode outgoingBody = (ObjectNode) body;
        boolean changed = false;
        if (call.degradedFrom != null && call.bedrock == null) {
            outgoingBody = outgoingBody.deepCopy();
            outgoingBody.put("model", call.modelForwarded);
            changed = true;
        }
        if (call.bedrock != null && call.bedrock.operation().converse()) {
            Optional<ObjectNode> tagged =
                    BedrockRequests.withRequestMetadata(outgoingBody, call.attribution, call.requestId);
            if (tagged.isPresent()) {
                outgoingBody = tagged.get();
                changed = true;
            }
        }
        if (call.endpoint == Endpoint.CHAT_COMPLETIONS && call.stream) {
            JsonNode options = outgoingBody.path("stream_options");
            if (!options.path("include_usage").asBoolean(false)) {
                if (!changed) {
                    outgoingBody = outgoingBody.deepCopy();
                }
                ObjectNode o = options.isObject()
                        ? (ObjectNode) outgoingBody.get("stream_options")
                        : outgoingBody.putObject("stream_options");
                o.put("include_usage", true);
                changed = true;
            }
        }
        byte[] outgoing = changed ? serialize(outgoingBody) : request.body();
        call.requestBytes = outgoing;
        relay(call, in, sink);
    }

    /** Reads {@code model} and {@code stream} of an OpenAI or Anthropic body; false when refused (response sent). */
    private boolean readModelAndStream(Call call, JsonNode body, ResponseSink sink) {
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            respondError(
                    call,
                    sink,
                    400,
                    "invalid_request_error",
                    "'model' is required and must be a non-empty string.",
                    "model");
            return false;
        }
        call.modelRequested = model.asText();
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            respondError(call, sink, 400, "invalid_request_error", "'stream' must be a boolean.", "stream");
            return false;
        }
        call.stream = stream != null && stream.asBoolean();
        return true;
    }

    private void relay(Call call, Headers in, ResponseSink sink) {
        Headers out = new Headers();
        in.forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (call.bedrock != null
                    ? lower.equals("content-type") || lower.equals("accept") || lower.startsWith("x-amzn-bedrock-")
                    : !DROP_REQUEST.contains(lower)
                            && !lower.startsWith("x-cost-")
                            && !lower.startsWith("x-spendgate-")) {
                out.add(name, value);
            }
        });
        URI uri = call.bedrock != null
                ? BedrockPath.upstreamUri(call.provider.baseUrl(), call.modelForwarded, call.bedrock.operation())
                : call.endpoint.upstreamUri(call.provider, call.modelForwarded);
        switch (call.provider.auth()) {
            case BEARER -> out.set("Authorization", "Bearer " + call.provider.apiKey());
            case X_API_KEY -> out.set("x-api-key", call.provider.apiKey());
            case API_KEY -> out.set("api-key", call.provider.apiKey());
            case SIGV4 -> {
                try {
                    call.provider.signer().sign(uri, out, call.requestBytes);
                } catch (RuntimeException e) {
                    Log.error(call.requestId, "could not sign the call for provider '" + call.provider.name() + "'", e);
                    call.errorType = "provider_not_configured";
                    respondError(
                            call,
                            sink,
                            503,
                            "api_error",
                            "Spendgate has no usable AWS credentials to sign the call to provider '"
                                    + call.provider.name() + "'.",
                            null);
                    return;
                }
            }
            case NONE -> {}
        }
        if (call.provider.format() == ApiFormat.ANTHROPIC && !out.contains("anthropic-version")) {
            out.set("anthropic-version", "2023-06-01");
        }
        long upstreamStart = System.nanoTime();
        UpstreamClient.Response response;
        try {
            response = upstream.post(uri, out, call.requestBytes);
        } catch (IOException e) {
            upstreamFailed(
                    call,
                    sink,
                    upstreamStart,
                    "Spendgate could not reach provider '" + call.provider.name() + "'.",
                    "upstream_unreachable");
            return;
        }
        call.statusCode = response.status();
        Headers back = new Headers();
        response.headers().forEach((name, value) -> {
            if (!DROP_RESPONSE.contains(Headers.lower(name))) {
                back.add(name, value);
            }
        });
        back.set(REQUEST_ID_HEADER, call.requestId);
        if (call.degradedFrom != null) {
            back.set(DEGRADED_HEADER, call.degradedFrom + " -> " + call.modelForwarded);
        }
        String contentType = response.headers().first("content-type");
        String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
        boolean sse = type.startsWith("text/event-stream");
        boolean eventStream = type.startsWith("application/vnd.amazon.eventstream");
        UsageTracker tracker =
                call.bedrock != null ? call.bedrock.operation().tracker() : UsageTracker.forEndpoint(call.endpoint);
        call.tracker = tracker;
        call.upstreamOk = response.status() >= 200 && response.status() < 300;
        if (call.bedrock != null && !call.bedrock.operation().converse()) {
            call.invocationMetrics = new InvocationMetrics();
            call.invocationMetrics.readHeaders(response.headers());
        }
        if (sse) {
            SseDecoder decoder = new SseDecoder(tracker);
            relayStream(call, response, back, sink, decoder::feed, decoder::hasPartialEvent, upstreamStart);
        } else if (eventStream) {
            EventStreamDecoder decoder = new EventStreamDecoder(
                    call.invocationMetrics != null ? new InvokeStreamChunks(tracker, call.invocationMetrics) : tracker);
            relayStream(call, response, back, sink, decoder::feed, decoder::hasPartialEvent, upstreamStart);
        } else {
            relayWhole(call, response, back, sink, tracker, upstreamStart);
        }
    }

    /** The provider failed before an answer could be relayed: 502, nothing from it reaches the client. */
    private void upstreamFailed(Call call, ResponseSink sink, long upstreamStart, String message, String errorType) {
        call.upstreamNanos = System.nanoTime() - upstreamStart;
        call.errorType = errorType;
        respondError(call, sink, 502, "api_error", message, null);
    }

    private void relayWhole(
            Call call,
            UpstreamClient.Response response,
            Headers back,
            ResponseSink sink,
            UsageTracker tracker,
            long upstreamStart) {
        byte[] body;
        try (InputStream stream = response.body()) {
            body = stream.readAllBytes();
        } catch (IOException e) {
            upstreamFailed(
                    call,
                    sink,
                    upstreamStart,
                    "Provider '" + call.provider.name() + "' closed the connection before its answer was complete.",
                    "upstream_truncated");
            return;
        }
        call.upstreamNanos = System.nanoTime() - upstreamStart;
        if (call.upstreamOk) {
            tracker.onBody(body);
            price(call);
            if (call.cost != null) {
                back.set(COST_HEADER, call.cost.toPlainString());
            }
        }
        settleBudget(call).ifPresent(remaining -> back.set(REMAINING_HEADER, remaining.toPlainString()));
        finish(call); // durable before the answer leaves
        try {
            call.started = true;
            sink.start(response.status(), back, body.length);
            sink.write(body);
            sink.end();
        } catch (IOException e) {
            call.errorType = "client_disconnected";
        }
    }

    /** What reads a stream's frames as they pass: SSE, or AWS event-stream. */
    private interface StreamFeed {
        void feed(byte[] bytes, int offset, int count);
    }

    private void relayStream(
            Call call,
            UpstreamClient.Response response,
            Headers back,
            ResponseSink sink,
            StreamFeed decoder,
            java.util.function.BooleanSupplier partialEvent,
            long upstreamStart) {
        boolean clientGone = false;
        boolean upstreamCut = false;
        try {
            call.started = true;
            sink.start(response.status(), back, -1);
            sink.flush();
        } catch (IOException e) {
            clientGone = true;
        }
        byte[] buffer = new byte[8192];
        try (InputStream stream = response.body()) {
            while (!clientGone) {
                int n;
                try {
                    n = stream.read(buffer);
                } catch (IOException e) {
                    upstreamCut = true;
                    break;
                }
                if (n < 0) {
                    break;
                }
                decoder.feed(buffer, 0, n);
                try {
                    sink.write(buffer, 0, n);
                    sink.flush();
                } catch (IOException e) {
                    clientGone = true;
                }
            }
        } catch (IOException e) {
            // closing an abandoned upstream stream may fail; nothing to do
        }
        call.upstreamNanos = System.nanoTime() - upstreamStart;
        boolean cut = upstreamCut || partialEvent.getAsBoolean();
        if (clientGone) {
            call.errorType = "client_disconnected";
        } else if (cut) {
            call.errorType = "upstream_truncated";
        }
        if (call.upstreamOk) {
            price(call);
        }
        finish(call); // durable before the last byte (the terminating chunk) leaves
        if (clientGone) {
            return;
        }
        if (cut) {
            sink.abort(); // the client's SDK must see an error, not a clean end of a short answer
            return;
        }
        try {
            sink.end();
        } catch (IOException e) {
            // the client left at the very end; the record already says what was served
        }
    }

    /**
     * Works out tokens and cost from what the tracker saw, estimating what the provider never reported, and prices
     * them at the tier the provider served ({@link CallPricer}).
     */
    private void price(Call call) {
        TrackedUsage tracked = call.tracker.result();
        if (call.invocationMetrics != null) {
            tracked = call.invocationMetrics.orElse(tracked);
        }
        call.modelServed =
                tracked.modelServed() == null || tracked.modelServed().length() <= RequestLimits.MAX_MODEL_LENGTH
                        ? tracked.modelServed()
                        : tracked.modelServed().substring(0, RequestLimits.MAX_MODEL_LENGTH);
        call.serviceTierServed = tracked.serviceTier();
        call.serviceTierRequested = RequestedServiceTier.of(call.body);
        TokenUsage tokens = tracked.tokens();
        if (tracked.complete()) {
            call.usageSource = UsageSource.PROVIDER;
        } else {
            tokens = estimate(call, tracked);
            call.usageSource = UsageSource.ESTIMATED;
            if (call.errorType == null) {
                call.errorType = "usage_missing";
            }
        }
        call.tokens = tokens;
        CallPricer.Priced priced = CallPricer.create(pricing)
                .price(new CallPricer.Call(
                        call.provider.pricingProvider(),
                        call.modelServed,
                        call.modelForwarded,
                        tokens,
                        tracked.complete(),
                        call.serviceTierServed,
                        call.serviceTierRequested,
                        tracked.inferenceGeo(),
                        call.start));
        if (priced.priced()) {
            call.cost = priced.cost();
            call.pricingStatus = PricingStatus.PRICED;
        } else {
            call.pricingStatus = PricingStatus.UNPRICED;
            String model = call.modelServed != null ? call.modelServed : call.modelForwarded;
            if (unpricedWarned.size() < MAX_UNPRICED_WARNED
                    && unpricedWarned.add(
                            call.provider.pricingProvider() + "/" + model + "/" + call.serviceTierServed)) {
                Log.warn(call.requestId, priced.reason() + ": its calls are recorded as unpriced");
            }
        }
    }

    private static TokenUsage estimate(Call call, TrackedUsage tracked) {
        String model = call.modelServed != null ? call.modelServed : call.modelForwarded;
        long output = TokenCounter.count(model, tracked.streamedText());
        TokenUsage partial = tracked.tokens();
        if (partial != null) {
            // Input was reported (Anthropic message_start); only the output is counted here.
            return new TokenUsage(
                    partial.inputTokens(),
                    partial.cachedInputTokens(),
                    partial.cacheWrite5mTokens(),
                    partial.cacheWrite1hTokens(),
                    Math.max(output, partial.outputTokens()),
                    0);
        }
        long input = TokenCounter.count(model, call.prompt.full())
                + (long) TokenCounter.TOKENS_PER_MESSAGE * (call.prompt.messages() + 1);
        return new TokenUsage(input, 0, 0, 0, output, 0);
    }

    /**
     * Settles the call's budgets and appends its one usage record (durable in the journal when this returns). Runs
     * once, before the last byte of the answer is sent; not for calls refused before authentication.
     */
    private void finish(Call call) {
        if (call.recorded || call.key == null) {
            return;
        }
        call.recorded = true;
        settleBudget(call);
        long end = System.nanoTime();
        long latencyMs = (end - call.startNanos) / 1_000_000;
        long upstreamMs = call.upstreamNanos / 1_000_000;
        UsageRecord record = UsageRecord.builder()
                .requestId(call.requestId)
                .tsStart(call.start)
                .tsEnd(call.start.plusNanos(end - call.startNanos))
                .keyId(call.key.id())
                .attribution(call.attribution)
                .provider(call.provider == null ? null : call.provider.name())
                .pricingProvider(
                        call.provider == null || call.provider.pricingProvider().equals(call.provider.name())
                                ? null
                                : call.provider.pricingProvider())
                .endpoint(
                        call.bedrock != null
                                ? call.bedrock.operation().recordName()
                                : call.endpoint == null ? null : call.endpoint.recordName())
                .modelRequested(call.modelRequested)
                .modelServed(call.modelServed)
                .stream(call.stream)
                .statusCode(call.statusCode)
                .tokens(call.tokens)
                .costUsd(call.cost)
                .pricingStatus(call.pricingStatus)
                .pricingVersion(pricing.version())
                .usageSource(call.usageSource)
                .latencyMs(latencyMs)
                .upstreamMs(upstreamMs)
                .overheadMs(Math.max(0, (end - call.startNanos - call.upstreamNanos) / 1_000_000))
                .maxOutputTokens(call.maxOutputTokens)
                .errorType(call.errorType)
                .fingerprints(fingerprints(call))
                .degradedFrom(call.degradedFrom)
                .unenforced(call.unenforced)
                .serviceTierRequested(call.serviceTierRequested)
                .serviceTierServed(call.serviceTierServed)
                .inferenceProfileArn(
                        call.bedrock == null ? null : InferenceProfiles.applicationProfileArn(call.modelRequested))
                .build();
        try {
            usageLog.append(record);
        } catch (UsageLogWriter.UsageJournalException e) {
            Log.error(call.requestId, "usage journal failed; the record is kept in memory until it can be written", e);
        } catch (RuntimeException e) {
            Log.error(call.requestId, "could not buffer the usage record", e);
        }
    }

    /**
     * Velocity breakers and budgets, before anything is forwarded. Returns false when the call was refused (the
     * response is already sent).
     */
    private boolean admit(Call call, ResponseSink sink, PromptText prompt) {
        call.modelForwarded = call.modelRequested;
        Optional<BudgetGate.Tripped> tripped;
        BudgetDecision decision;
        try {
            tripped = budgets.checkVelocity(call.attribution, call.key.id());
            decision = tripped.isPresent()
                    ? null
                    : budgets.reserve(
                            call.attribution,
                            call.key.id(),
                            call.provider,
                            call.endpoint,
                            prompt,
                            call.body,
                            call.modelRequested);
        } catch (RuntimeException e) {
            Log.error(call.requestId, "budget store failed before the call", e);
            call.errorType = "budget_store_unavailable";
            respondError(
                    call,
                    sink,
                    503,
                    "api_error",
                    "Spendgate cannot reach its budget store; nothing was forwarded. Retry shortly.",
                    null);
            return false;
        }
        if (tripped.isPresent()) {
            BudgetGate.Tripped t = tripped.get();
            respondError(
                    call,
                    sink,
                    429,
                    "velocity_limit",
                    "Velocity limit: at most " + t.limitPerMinute() + " calls per minute per " + t.scope()
                            + "; retry in " + t.retryAfterSeconds() + " s.",
                    t.scope().equals("session") ? "X-Cost-Session" : "authorization",
                    Map.of("Retry-After", Long.toString(t.retryAfterSeconds())),
                    Map.of("limit_per_minute", Long.toString(t.limitPerMinute()), "scope", t.scope()));
            return false;
        }
        switch (decision.outcome()) {
            case BLOCK -> {
                refuseForBudget(call, sink, decision.refusal());
                return false;
            }
            case STORE_ERROR -> {
                call.errorType = "budget_store_unavailable";
                respondError(
                        call,
                        sink,
                        503,
                        "api_error",
                        "Spendgate cannot reach its budget store and this budget is fail-closed; nothing was forwarded.",
                        null);
                return false;
            }
            case DEGRADE -> {
                call.degradedFrom = call.modelRequested;
                call.modelForwarded = decision.model();
            }
            case ALLOW -> {}
        }
        call.budget = decision;
        call.unenforced = decision.unenforced();
        return true;
    }

    private void refuseForBudget(Call call, ResponseSink sink, BudgetDecision.Refusal refusal) {
        BudgetPolicy policy = refusal.policy();
        String scope = policy.scope().type().label() + ":" + refusal.scopeValue();
        String message =
                "Budget " + policy.id() + " for " + scope + " (" + refusal.period() + ") cannot afford this call: "
                        + "limit $" + policy.limitUsd().toPlainString() + ", spent $"
                        + refusal.spentUsd().toPlainString()
                        + " (" + refusal.reason() + ").";
        Map<String, String> headers = new java.util.LinkedHashMap<>();
        if (refusal.periodEnd() != null) {
            long seconds = Math.max(
                    1,
                    java.time.Duration.between(clock.instant(), refusal.periodEnd())
                            .getSeconds());
            headers.put("Retry-After", Long.toString(seconds));
        }
        Map<String, String> extras = new java.util.LinkedHashMap<>();
        extras.put("scope", scope);
        extras.put("period", refusal.period());
        extras.put("limit_usd", policy.limitUsd().toPlainString());
        extras.put("spent_usd", refusal.spentUsd().toPlainString());
        respondError(call, sink, 429, "budget_exceeded", message, null, headers, extras);
    }

    /** Replaces the call's reservations by its actual cost, once; returns the tightest remaining budget. */
    private Optional<BigDecimal> settleBudget(Call call) {
        if (call.budget == null || call.budgetSettled) {
            return Optional.empty();
        }
        call.budgetSettled = true;
        BigDecimal actual =
                call.cost != null ? call.cost : call.pricingStatus == PricingStatus.UNPRICED ? null : BigDecimal.ZERO;
        try {
            return budgets.settle(call.budget, actual);
        } catch (RuntimeException e) {
            Log.error(call.requestId, "could not settle the call's budgets; its usage record keeps the cost", e);
            return Optional.empty();
        }
    }

    private void respondError(Call call, ResponseSink sink, int status, String type, String message, String param) {
        respondError(call, sink, status, type, message, param, Map.of(), Map.of());
    }

    private void respondError(
            Call call,
            ResponseSink sink,
            int status,
            String type,
            String message,
            String param,
            Map<String, String> extraHeaders,
            Map<String, String> extraFields) {
        if (call.format == ApiFormat.BEDROCK && status == 401) {
            status = 403; // as Bedrock answers a bad credential (and HTTP clients treat 401 specially)
        }
        call.statusCode = status;
        if (call.errorType == null) {
            call.errorType = type;
        }
        byte[] body =
                switch (call.format) {
                    case ANTHROPIC -> ErrorBodies.anthropic(type, message, param, extraFields);
                    case BEDROCK -> BedrockErrors.body(type, message, param, extraFields);
                    case OPENAI -> ErrorBodies.openAi(type, message, param, errorCode(status, type), extraFields);
                };
        Headers headers = new Headers().set("Content-Type", "application/json").set(REQUEST_ID_HEADER, call.requestId);
        if (call.format == ApiFormat.BEDROCK) {
            headers.set(BedrockErrors.ERROR_TYPE_HEADER, BedrockErrors.errorCode(status, type));
        }
        extraHeaders.forEach(headers::set);
        if (status == 405) {
            headers.set("Allow", "POST");
        }
        finish(call); // an authenticated call's record is durable before its answer leaves
        try {
            call.started = true;
            sink.start(status, headers, body.length);
            sink.write(body);
            sink.end();
        } catch (IOException e) {
            // the client left; the record still says what happened
        }
    }

    private static String errorCode(int status, String type) {
        if (type.equals("budget_exceeded") || type.equals("velocity_limit")) {
            return type;
        }
        return switch (status) {
            case 401 -> "invalid_api_key";
            case 404 -> "unknown_url";
            case 405 -> "method_not_allowed";
            case 413 -> "request_too_large";
            case 415 -> "unsupported_media_type";
            case 502 -> "upstream_error";
            default -> status >= 500 ? "server_error" : "invalid_request";
        };
    }

    private static String credential(Headers headers) {
        String authorization = headers.first("authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).trim();
            if (!token.isEmpty()) {
                return token;
            }
        }
        String apiKey = headers.first("x-api-key");
        return apiKey == null || apiKey.isBlank() ? null : apiKey.trim();
    }

    private static Attribution envDefault(ProxyKey key) {
        return new Attribution(null, null, null, key.environment(), null, null, null);
    }

    static Attribution attributionFrom(Headers headers) {
        String[] values = new String[ATTRIBUTION_HEADERS.length];
        for (int i = 0; i < ATTRIBUTION_HEADERS.length; i++) {
            String header = ATTRIBUTION_HEADERS[i];
            java.util.List<String> all = headers.all(header);
            if (all.isEmpty()) {
                continue;
            }
            if (all.size() > 1) {
                throw new InvalidHeaderException(header, "Header " + header + " must be sent once.");
            }
            String value = all.get(0).trim();
            if (!Attribution.isValidValue(value)) {
                throw new InvalidHeaderException(
                        header,
                        "Header " + header + " must be 1-" + Attribution.MAX_LENGTH
                                + " characters of letters, digits and . _ - : / @");
            }
            values[i] = value;
        }
        return new Attribution(values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
    }

    private static byte[] serialize(JsonNode body) {
        try {
            return JSON.writeValueAsBytes(body);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The request as fingerprinted: without the fields that do not change the answer (stream, user, metadata). */
    /** Computed after the client has its answer, so hashing adds nothing to the call's latency. */
    private static UsageRecord.Fingerprints fingerprints(Call call) {
        if (call.body == null) {
            return null;
        }
        PromptText prompt = call.prompt;
        return PromptFingerprints.compute(
                prompt.system(), prompt.prefix(), canonical(call.body), prompt.full(), prompt.varying());
    }

    private static byte[] canonical(ObjectNode body) {
        ObjectNode copy = body.deepCopy();
        copy.remove(java.util.List.of("stream", "stream_options", "user", "metadata"));
        return serialize(copy);
    }

    private static String newRequestId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return new java.util.UUID(
                        (r.nextLong() & ~0xF000L) | 0x4000L, (r.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L)
                .toString();
    }

    private static String sanitize(String value) {
        String v = value.length() > 100 ? value.substring(0, 100) + "..." : value;
        return v.replaceAll("[^\\x20-\\x7e]", "?");
    }

    /** Everything known about one call while it is handled. */
    private static final class Call {
        final String requestId;
        final Instant start;
        final long startNanos;
        ApiFormat format = ApiFormat.OPENAI;
        Endpoint endpoint;
        BedrockPath bedrock;
        InvocationMetrics invocationMetrics;
        ProxyKey key;
        Attribution attribution = Attribution.NONE;
        Provider provider;
        String modelRequested;
        String modelServed;
        boolean stream;
        int statusCode;
        boolean started;
        boolean upstreamOk;
        long upstreamNanos;
        byte[] requestBytes;
        PromptText prompt;
        Long maxOutputTokens;
        UsageTracker tracker;
        TokenUsage tokens = TokenUsage.ZERO;
        BigDecimal cost;
        PricingStatus pricingStatus = PricingStatus.NOT_BILLABLE;
        UsageSource usageSource = UsageSource.NONE;
        String errorType;
        ObjectNode body;
        String modelForwarded;
        String degradedFrom;
        BudgetDecision budget;
        boolean budgetSettled;
        boolean unenforced;
        boolean recorded;
        String serviceTierRequested;
        String serviceTierServed;

        Call(String requestId, Instant start, long startNanos) {
            this.requestId = requestId;
            this.start = start;
            this.startNanos = startNanos;
        }
    }

    private static final class InvalidHeaderException extends RuntimeException {
        final String header;

        InvalidHeaderException(String header, String message) {
            super(message, null, false, false);
            this.header = header;
        }
    }
}
