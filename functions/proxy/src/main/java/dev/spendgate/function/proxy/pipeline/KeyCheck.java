package dev.spendgate.function.proxy.pipeline;

import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.function.proxy.http.Headers;
import java.util.Objects;
import java.util.Optional;

/**
 * The Spendgate key a request carries ({@code Authorization: Bearer sg-..}, else {@code x-api-key}), looked up by its
 * hash: the one authentication of LLM calls and of {@code /v1/outcomes}.
 */
public final class KeyCheck {
    private final KeyStore keys;

    public KeyCheck(KeyStore keys) {
        this.keys = Objects.requireNonNull(keys, "keys");
    }

    /** What the headers say about the caller. */
    public Result check(Headers headers) {
        String secret = credential(headers);
        if (secret == null) {
            return new Result(false, Optional.empty());
        }
        return new Result(true, keys.findByHash(ProxyKeys.hash(secret)));
    }

    /** Whether a key was sent, and the stored key it names (enabled or revoked), if any. */
    public record Result(boolean sent, Optional<ProxyKey> found) {

        /** The caller's key when it is known and enabled. */
        public Optional<ProxyKey> valid() {
            return found.filter(ProxyKey::enabled);
        }

        /** The 401 for a caller without a valid key ({@code missingMessage} when none was sent), or empty. */
        public Optional<Refusal> refusal(String missingMessage) {
            if (!sent) {
                return Optional.of(Refusal.of(401, "authentication_error", missingMessage, "authorization"));
            }
            if (valid().isPresent()) {
                return Optional.empty();
            }
            return Optional.of(Refusal.of(
                    401,
                    "authentication_error",
                    found.isEmpty() ? "Invalid Spendgate key." : "This Spendgate key has been revoked.",
                    "authorization"));
        }
    }

    static String credential(Headers headers) {
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
}
