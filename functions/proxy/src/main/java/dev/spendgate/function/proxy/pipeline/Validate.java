package dev.spendgate.function.proxy.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.bedrock.InvokeTierHeaders;
import dev.spendgate.function.proxy.http.BodyMemory;
import dev.spendgate.function.proxy.http.RequestLimits;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderApi;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import java.io.IOException;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks the request before anything is reserved or forwarded: a JSON object body within the size limit, the model
 * and stream flag its API expects, values within {@link RequestLimits}, and a configured provider for the model.
 * Refusals are 415, 413 and 400, or 503 when the provider has no key. Sets body, prompt, model, stream and provider.
 *
 * <p>A large body's tree is built only once the call's lease on {@link BodyMemory} holds what it will take: 413 when
 * it could never fit, 503 (retry in a second) while other calls' bodies hold the memory.
 */
public final class Validate implements Stage {
    private final ProviderRouter router;
    private final long maxBodyBytes;

    public Validate(ProviderRouter router, long maxBodyBytes) {
        this.router = Objects.requireNonNull(router, "router");
        this.maxBodyBytes = maxBodyBytes;
    }

    @Override
    public Step apply(CallContext ctx) {
        String contentType = ctx.request().headers().first("content-type");
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("application/json")) {
            return refuse(ctx, 415, "Content-Type must be application/json.", "content-type");
        }
        byte[] raw = ctx.request().body();
        if (raw.length > maxBodyBytes) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                            413,
                            "request_too_large",
                            "Request body is larger than the " + maxBodyBytes + " bytes Spendgate accepts.",
                            "body"));
        }
        JsonNode parsed;
        try {
            if (raw.length > BodyMemory.SMALL_BODY_BYTES) {
                Optional<Refusal> full = hold(ctx.bodyLease(), raw.length, JsonTreeSize.of(raw));
                if (full.isPresent()) {
                    return Step.refuse(ctx, full.get());
                }
            }
            parsed = Json.MAPPER.readTree(raw);
        } catch (IOException e) {
            String twice = duplicated(e);
            if (twice != null) {
                return refuse(
                        ctx,
                        400,
                        "The request body gives '" + Text.sanitize(twice) + "' twice in one object; give it once"
                                + " (providers differ on which one they use).",
                        twice.length() <= 64 ? twice : "body");
            }
            return refuse(ctx, 400, "The request body is not valid JSON.", "body");
        }
        if (parsed == null || !parsed.isObject()) {
            return refuse(ctx, 400, "The request body must be a JSON object.", "body");
        }
        ObjectNode body = (ObjectNode) parsed;
        ProviderApi api = ctx.api();
        ProviderApi.ModelRequest model = api.readModel(body);
        if (!model.valid()) {
            return refuse(ctx, 400, model.message(), model.invalidField());
        }
        ctx = ctx.with(b -> {
            b.modelRequested = model.model();
            b.stream = model.stream();
        });
        Optional<RequestLimits.Invalid> outOfBounds = RequestLimits.check(body, model.model());
        if (outOfBounds.isPresent()) {
            RequestLimits.Invalid invalid = outOfBounds.get();
            if (invalid.field().equals("model")) {
                ctx = ctx.with(b -> b.modelRequested = null); // a refused model name is not kept (may be megabytes)
            }
            return refuse(ctx, 400, invalid.message(), invalid.field());
        }
        // the body's tier fields passed above: a tier still out of bounds is InvokeModel's header, kept as sent
        Optional<RequestLimits.Invalid> tierHeader = RequestLimits.checkServiceTier(
                InvokeTierHeaders.SERVICE_TIER,
                api.requestedServiceTier(body, ctx.request().headers()));
        if (tierHeader.isPresent()) {
            return refuse(ctx, 400, tierHeader.get().message(), tierHeader.get().field());
        }
        Optional<Provider> routed = router.route(api.format(), model.model());
        if (routed.isEmpty()) {
            return refuse(
                    ctx,
                    400,
                    "No provider is configured for model '" + Text.sanitize(model.model()) + "' on " + api.servedOn()
                            + ".",
                    "model");
        }
        Provider provider = routed.get();
        ctx = ctx.with(b -> b.provider = provider);
        if (provider.missingKey()) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                                    503,
                                    "api_error",
                                    "Provider '" + provider.name() + "' has no API key configured in Spendgate.",
                                    null)
                            .recordedAs("provider_not_configured"));
        }
        return Step.proceed(ctx.with(b -> {
            b.body = body;
            b.prompt = api.prompt(body);
        }));
    }

    private static final java.util.regex.Pattern DUPLICATE = java.util.regex.Pattern.compile("Duplicate field '(.*)'");

    /** The field a parse failure says was given twice, or null. */
    private static String duplicated(IOException e) {
        if (!(e instanceof com.fasterxml.jackson.core.JsonProcessingException j) || j.getOriginalMessage() == null) {
            return null;
        }
        java.util.regex.Matcher m = DUPLICATE.matcher(j.getOriginalMessage());
        return m.matches() ? m.group(1) : null;
    }

    /**
     * Takes the tree's size from the call's lease: nothing when it is taken, else 413 when the body (raw, as its
     * carrier holds it, and parsed) is more than the whole pool, and 503 when other calls hold what it needs.
     */
    private static Optional<Refusal> hold(BodyMemory.Lease lease, long rawBytes, long treeBytes) {
        if (lease.take(treeBytes)) {
            return Optional.empty();
        }
        long mb = 1024 * 1024;
        long capacity = lease.capacity();
        if (rawBytes + treeBytes > capacity) {
            return Optional.of(Refusal.of(
                    413,
                    "request_too_large",
                    "The request body's JSON would take about " + (rawBytes + treeBytes + mb - 1) / mb
                            + " MB of memory, more than the " + capacity / mb
                            + " MB Spendgate keeps for request bodies (SPENDGATE_BODY_MEMORY_BYTES).",
                    "body"));
        }
        return Optional.of(Refusal.of(
                        503,
                        "api_error",
                        "Spendgate is holding as many large request bodies as its memory allows; retry in a second.",
                        "body")
                .withHeaders(java.util.Map.of("Retry-After", "1"))
                .recordedAs("body_memory_full"));
    }

    private static Step refuse(CallContext ctx, int status, String message, String param) {
        return Step.refuse(ctx, Refusal.of(status, "invalid_request_error", message, param));
    }
}
