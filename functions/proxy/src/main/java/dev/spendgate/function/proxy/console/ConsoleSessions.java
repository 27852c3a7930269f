package dev.spendgate.function.proxy.console;

import dev.spendgate.domain.keys.ProxyKeys;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Signed-in browsers of the local console: a random session id in an {@code HttpOnly; SameSite=Strict} cookie, kept
 * here only as its SHA-256, valid for {@link #TTL} and for this process only (a restart signs everyone out). Set over
 * TLS, the cookie is also {@code Secure}, so the browser never sends it over plain HTTP to the same host.
 */
final class ConsoleSessions {
    static final String COOKIE = "spendgate_console";
    static final Duration TTL = Duration.ofHours(12);
    private static final int MAX_SESSIONS = 1000;

    private final SecureRandom random = new SecureRandom();
    private final Map<String, Instant> expiries = new ConcurrentHashMap<>();
    private final Clock clock;

    ConsoleSessions(Clock clock) {
        this.clock = clock;
    }

    /** A new session; the answer is the cookie header value ({@code Secure} when signed in over TLS). */
    String open(boolean tls) {
        Instant now = clock.instant();
        expiries.values().removeIf(expiry -> !expiry.isAfter(now));
        if (expiries.size() >= MAX_SESSIONS) {
            expiries.clear();
        }
        byte[] id = new byte[32];
        random.nextBytes(id);
        String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(id);
        expiries.put(ProxyKeys.hash(secret), now.plus(TTL));
        return COOKIE + "=" + secret + attributes(tls) + "; Max-Age=" + TTL.toSeconds();
    }

    boolean valid(String cookieHeader) {
        String secret = cookie(cookieHeader);
        if (secret == null) {
            return false;
        }
        Instant expiry = expiries.get(ProxyKeys.hash(secret));
        return expiry != null && expiry.isAfter(clock.instant());
    }

    /** Ends the session of this cookie; the answer clears it in the browser. */
    String close(String cookieHeader, boolean tls) {
        String secret = cookie(cookieHeader);
        if (secret != null) {
            expiries.remove(ProxyKeys.hash(secret));
        }
        return COOKIE + "=" + attributes(tls) + "; Max-Age=0";
    }

    private static String attributes(boolean tls) {
        return "; Path=/console; HttpOnly; SameSite=Strict" + (tls ? "; Secure" : "");
    }

    private static String cookie(String header) {
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=")) {
                String v = p.substring(COOKIE.length() + 1);
                return v.isEmpty() ? null : v;
            }
        }
        return null;
    }
}
