package dev.spendgate.function.proxy.admin;

import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.function.proxy.http.GatewayRequest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What guards the local server's admin surface (the admin API and the web console, both opened by
 * {@code SPENDGATE_ADMIN_TOKEN}) from a browser or a host that should not reach it.
 *
 * <ul>
 *   <li><b>Host names.</b> A DNS-rebinding page (a site whose name its owner points at 127.0.0.1 after the page has
 *       loaded) reaches the gateway from the admin's own browser, with its own name in {@code Host} and
 *       {@code Origin}, so an Origin check alone lets it through. Only {@code localhost} (and {@code *.localhost}),
 *       IP literals and the names in {@code SPENDGATE_ALLOWED_HOSTS} (comma-separated; {@code .example.com} also
 *       allows its subdomains, {@code *} any name) are served; a request without {@code Host} is not a browser's.
 *   <li><b>Token attempts.</b> After {@value #MAX_FAILURES} wrong admin tokens from one client address within a
 *       minute, that address may not try another until the minute is over (429 with {@code Retry-After}). A session
 *       already signed in keeps working: only new tries wait. Up to {@value #MAX_TRACKED} addresses are remembered;
 *       beyond that the addresses share one count, so a flood of addresses cannot grow memory or buy more tries.
 * </ul>
 *
 * <p>The token is compared by its SHA-256 in constant time and never kept in clear.
 */
public final class LocalAdminGuard {
    public static final int MAX_FAILURES = 10;
    static final Duration WINDOW = Duration.ofMinutes(1);
    static final int MAX_TRACKED = 4096;
    private static final String OTHERS = "";

    private final byte[] tokenHash;
    private final List<String> allowedHosts;
    private final Clock clock;
    private final ReentrantLock lock = new ReentrantLock();
    private final Map<String, Failures> failures = new HashMap<>(); // guarded by lock

    private static final class Failures {
        Instant since;
        int count;

        Failures(Instant since) {
            this.since = since;
        }
    }

    private LocalAdminGuard(String token, List<String> allowedHosts, Clock clock) {
        this.tokenHash = ProxyKeys.hash(token).getBytes(StandardCharsets.US_ASCII);
        this.allowedHosts = allowedHosts;
        this.clock = clock;
    }

    /**
     * The guard for {@code token}, or null when there is none (the local admin surface is then off).
     *
     * @param allowedHosts {@code SPENDGATE_ALLOWED_HOSTS}, or null
     * @throws IllegalArgumentException naming the variable when an entry is not a host name
     */
    public static LocalAdminGuard of(String token, String allowedHosts, Clock clock) {
        List<String> hosts = parseHosts(allowedHosts);
        return token == null ? null : new LocalAdminGuard(token, hosts, clock);
    }

    static List<String> parseHosts(String value) {
        if (value == null || value.isBlank()) {
            return List.of();
        }
        List<String> hosts = new java.util.ArrayList<>();
        for (String part : value.split(",", -1)) {
            String host = part.trim().toLowerCase(Locale.ROOT);
            if (host.isEmpty()) {
                continue;
            }
            if (!host.equals("*") && !host.matches("\\.?[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                throw new IllegalArgumentException("SPENDGATE_ALLOWED_HOSTS: '" + part.trim()
                        + "' is not a host name (a name, .domain for its subdomains, or *)");
            }
            hosts.add(host);
        }
        return List.copyOf(hosts);
    }

    /** Whether the request's {@code Host} may reach the admin surface. */
    public boolean hostAllowed(GatewayRequest request) {
        String host = request.headers().first("host");
        if (host == null) {
            return true; // HTTP/1.0 without Host, or a client library: no browser sends a request without one
        }
        String name = name(host.trim().toLowerCase(Locale.ROOT));
        if (name.isEmpty()) {
            return false;
        }
        if (name.startsWith("[") || isIpv4(name) || name.equals("localhost") || name.endsWith(".localhost")) {
            return true; // an IP literal cannot be re-pointed; localhost names never leave the machine
        }
        for (String allowed : allowedHosts) {
            if (allowed.equals("*")
                    || allowed.equals(name)
                    || allowed.startsWith(".") && (name.endsWith(allowed) || name.equals(allowed.substring(1)))) {
                return true;
            }
        }
        return false;
    }

    /** The {@code Host} header's name without its port (an IPv6 literal keeps its brackets) or trailing dot. */
    static String name(String host) {
        String name = host;
        if (name.startsWith("[")) {
            int end = name.indexOf(']');
            return end < 0 ? "" : name.substring(0, end + 1);
        }
        int colon = name.lastIndexOf(':');
        if (colon >= 0) {
            name = name.substring(0, colon);
        }
        return name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
    }

    private static boolean isIpv4(String name) {
        String[] parts = name.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)) {
                return false;
            }
            if (Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** The message a refused {@code Host} gets, naming the setting that lets it in. */
    public static String hostRefusal(GatewayRequest request) {
        return "The admin API and console answer only to localhost, IP addresses and the names in "
                + "SPENDGATE_ALLOWED_HOSTS; add '"
                + name(request.headers().first("host").trim().toLowerCase(Locale.ROOT))
                + "' there to reach them by that name.";
    }

    /** Seconds until the request's client may try a token again; 0 when it may now. */
    public long lockedForSeconds(GatewayRequest request) {
        Instant now = clock.instant();
        lock.lock();
        try {
            Failures f = failures.get(clientKey(request.client()));
            if (f == null && failures.size() >= MAX_TRACKED) {
                f = failures.get(OTHERS); // an address not remembered shares the overflow's count
            }
            if (f == null || f.count < MAX_FAILURES) {
                return 0;
            }
            long millis = Duration.between(now, f.since.plus(WINDOW)).toMillis();
            return millis <= 0 ? 0 : (millis + 999) / 1000;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code presented} is the admin token; a wrong one counts against the request's client address. */
    public boolean matches(String presented, GatewayRequest request) {
        byte[] hash = ProxyKeys.hash(presented == null ? "" : presented).getBytes(StandardCharsets.US_ASCII);
        if (MessageDigest.isEqual(tokenHash, hash)) {
            return true;
        }
        Instant now = clock.instant();
        lock.lock();
        try {
            String key = clientKey(request.client());
            Failures f = failures.get(key);
            if (f == null) {
                if (failures.size() >= MAX_TRACKED) {
                    forgetExpired(now);
                    if (failures.size() >= MAX_TRACKED) {
                        key = OTHERS;
                    }
                }
                f = failures.computeIfAbsent(key, k -> new Failures(now)); // OTHERS may exceed the cap by one
            }
            if (!now.isBefore(f.since.plus(WINDOW))) {
                f.since = now;
                f.count = 0;
            }
            f.count++;
            return false;
        } finally {
            lock.unlock();
        }
    }

    private static String clientKey(String client) {
        return client == null ? "unknown" : client;
    }

    private void forgetExpired(Instant now) {
        for (Iterator<Failures> it = failures.values().iterator(); it.hasNext(); ) {
            if (!now.isBefore(it.next().since.plus(WINDOW))) {
                it.remove();
            }
        }
    }
}
