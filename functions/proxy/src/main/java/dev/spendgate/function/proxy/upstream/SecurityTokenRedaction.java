package dev.spendgate.function.proxy.upstream;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Takes the value of every {@code x-amz-security-token} header line ({@code x-amz-security-token:IQoJb3...}) or query
 * parameter ({@code X-Amz-Security-Token=IQoJb3...}) out of a text, as AWS writes it into a signature error's canonical
 * request. The value's characters (base64, percent-encoding, a JSON-escaped {@code \/}) end at the line's end, which
 * in a JSON message is the escape {@code \n}. Applied to every error answer of a provider the gateway signs with
 * SigV4 ({@link UpstreamAuth#SIGV4}), whatever its format: the token is the gateway's AWS credential.
 */
public final class SecurityTokenRedaction {
    static final String REDACTED = "REDACTED";
    private static final String HEADER = "x-amz-security-token";
    private static final Pattern TOKEN =
            Pattern.compile("(?i)(" + HEADER + "\\s*[:=]\\s*)(?:[A-Za-z0-9+=%_.~-]|\\\\?/)+");

    private SecurityTokenRedaction() {}

    public static byte[] redact(byte[] body) {
        String text = new String(body, StandardCharsets.UTF_8);
        if (!text.toLowerCase(Locale.ROOT).contains(HEADER)) {
            return body;
        }
        Matcher m = TOKEN.matcher(text);
        return m.find() ? m.replaceAll("$1" + REDACTED).getBytes(StandardCharsets.UTF_8) : body;
    }
}
