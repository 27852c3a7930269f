package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import java.util.Optional;

/**
 * Finds the caller's Spendgate key ({@code Authorization: Bearer sg-..} or {@code x-api-key}) and refuses an unknown
 * path (404), a method other than POST (405), and a missing, unknown or revoked key (401). The path's refusals come
 * first; a valid key's wrong path or method still leaves its record (not billable). The key's defaults become the
 * call's attribution.
 */
public final class Authenticate implements Stage {
    private final KeyCheck keys;

    public Authenticate(KeyStore keys) {
        this.keys = new KeyCheck(keys);
    }

    @Override
    public Step apply(CallContext ctx) {
        KeyCheck.Result caller = keys.check(ctx.request().headers());
        if (caller.valid().isPresent()) {
            ProxyKey k = caller.valid().get();
            ctx = ctx.with(b -> {
                b.key = k;
                b.attribution = k.defaults().orElse(environmentOnly(k));
            });
        }
        String method = ctx.request().method();
        if (ctx.api() == null) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                            404,
                            "not_found_error",
                            "Unknown path " + Text.sanitize(ctx.request().path())
                                    + ". Spendgate serves POST /v1/chat/completions, /v1/responses, /v1/embeddings and"
                                    + " /v1/messages, the free /v1/messages/count_tokens, /v1/responses/input_tokens"
                                    + " and /v1/moderations, and the Bedrock runtime's POST /model/{modelId}/converse,"
                                    + " /converse-stream, /invoke and /invoke-with-response-stream.",
                            "path"));
        }
        if (!"POST".equalsIgnoreCase(method)) {
            return Step.refuse(
                    ctx,
                    Refusal.of(
                                    405,
                                    "invalid_request_error",
                                    "Method " + Text.sanitize(method) + " is not allowed on "
                                            + ctx.api().pathLabel() + "; use POST.",
                                    "method")
                            .withHeaders(java.util.Map.of("Allow", "POST")));
        }
        Optional<Refusal> unauthenticated = caller.refusal(ctx.api().missingKeyMessage());
        if (unauthenticated.isPresent()) {
            return Step.refuse(ctx, unauthenticated.get());
        }
        return Step.proceed(ctx);
    }

    private static Attribution environmentOnly(ProxyKey key) {
        return new Attribution(null, null, null, key.environment(), null, null, null);
    }
}
