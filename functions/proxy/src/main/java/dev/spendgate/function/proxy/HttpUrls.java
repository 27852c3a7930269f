package dev.spendgate.function.proxy;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/** Checks a URL the gateway will call (a provider's base URL, the alert webhook) at the start, not at the first call. */
final class HttpUrls {
    private HttpUrls() {}

    /**
     * Why {@code value} is not an absolute {@code http} or {@code https} URL with a host the HTTP client can address,
     * or null when it is one. The reason never repeats the value (a webhook URL carries its own credential).
     */
    static String problem(String value) {
        try {
            URI uri = new URI(value);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) {
                return "it has no http:// or https:// scheme";
            }
            if ((uri.getHost() == null || uri.getHost().isBlank()) && uri.getRawAuthority() != null) {
                // java.net.URI reads a host with an underscore (a Compose service name such as alert_relay) as no
                // host, and the HTTP client cannot address it
                return "its host name is not one the HTTP client can address (an underscore is not allowed in a"
                        + " host name: use a name without it, or the address)";
            }
            if (uri.getHost() == null || uri.getHost().isBlank()) {
                return "it has no host";
            }
            return null;
        } catch (URISyntaxException e) {
            return "it is not a valid URL (" + e.getReason() + " at character " + (e.getIndex() + 1) + ")";
        }
    }
}
