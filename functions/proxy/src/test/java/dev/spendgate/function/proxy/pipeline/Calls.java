package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.embedded.FileKeyStore;
import dev.spendgate.function.proxy.http.GatewayRequest;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderRouter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Calls and keys for the stages' unit tests: real file-backed keys, contexts as a stage would receive them. */
final class Calls {
    static final Instant START = Instant.parse("2026-12-03T10:00:00Z");
    static final String SECRET = "sg-test-secret-0123456789";

    private Calls() {}

    static CallContext post(String path, String body, String... headerPairs) {
        Headers headers = new Headers().set("Content-Type", "application/json");
        for (int i = 0; i < headerPairs.length; i += 2) {
            headers.add(headerPairs[i], headerPairs[i + 1]);
        }
        return request("POST", path, headers, body);
    }

    static CallContext request(String method, String path, Headers headers, String body) {
        return CallContext.start(
                "req-1", START, System.nanoTime(), new GatewayRequest(method, path, headers, bytes(body)));
    }

    static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** A key store in {@code dir} holding one enabled key for {@link #SECRET} (feature {@code chatbot}). */
    static KeyStore keys(Path dir) {
        FileKeyStore keys = new FileKeyStore(dir.resolve("keys.json"));
        keys.create(key(SECRET, true));
        return keys;
    }

    static ProxyKey key(String secret, boolean enabled) {
        return new ProxyKey(
                ProxyKeys.newId(),
                ProxyKeys.hash(secret),
                "chatbot",
                "prod",
                "team@example.com",
                new Attribution("chatbot", null, null, "prod", null, null, null),
                enabled,
                START);
    }

    /** The context after authentication and validation of a chat completion on {@code openai}. */
    static CallContext validChat(Path dir, String body) {
        CallContext ctx = post("/v1/chat/completions", body, "Authorization", "Bearer " + SECRET);
        Step authenticated = new Authenticate(keys(dir)).apply(ctx);
        Step validated = new Validate(router("http://127.0.0.1:9"), 65_536).apply(authenticated.context());
        if (validated.refused()) {
            throw new IllegalStateException(validated.refusal().message());
        }
        return validated.context();
    }

    static ProviderRouter router(String openAiBaseUrl) {
        return new ProviderRouter(List.of(
                new Provider("openai", ApiFormat.OPENAI, openAiBaseUrl, "sk-test", List.of("*"), "openai"),
                new Provider("anthropic", ApiFormat.ANTHROPIC, "http://127.0.0.1:9", "", List.of("*"), "anthropic")));
    }
}
