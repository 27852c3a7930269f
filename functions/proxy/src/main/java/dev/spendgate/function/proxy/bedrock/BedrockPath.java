package dev.spendgate.function.proxy.bedrock;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * A Bedrock runtime request path, {@code /model/{modelId}/{operation}}, with the model id decoded. The id may be a
 * foundation model ({@code anthropic.claude-sonnet-4-5-20250929-v1:0}), a cross-region inference profile
 * ({@code us.anthropic...}, {@code eu.}, {@code global.}) or an ARN (which holds slashes), and arrives
 * percent-encoded from the AWS SDKs; already decoded paths are read the same way.
 */
public record BedrockPath(BedrockOperation operation, String modelId) {
    public static final String PREFIX = "/model/";
    private static final int MAX_MODEL_ID = 2048;

    /** True when the path is under {@code /model/}, whether or not Spendgate serves the operation. */
    public static boolean isBedrock(String path) {
        return path.startsWith(PREFIX);
    }

    /** The operation and model of a request path, or empty when it is not one Spendgate serves. */
    public static Optional<BedrockPath> parse(String path) {
        String p = path;
        int q = p.indexOf('?');
        if (q >= 0) {
            p = p.substring(0, q);
        }
        if (!p.startsWith(PREFIX)) {
            return Optional.empty();
        }
        for (BedrockOperation operation : BedrockOperation.values()) {
            String suffix = "/" + operation.pathSuffix();
            if (p.endsWith(suffix) && p.length() > PREFIX.length() + suffix.length()) {
                String raw = p.substring(PREFIX.length(), p.length() - suffix.length());
                String model = decode(raw);
                if (model == null || model.isBlank() || model.length() > MAX_MODEL_ID) {
                    return Optional.empty();
                }
                return Optional.of(new BedrockPath(operation, model));
            }
        }
        return Optional.empty();
    }

    /**
     * The Bedrock URL of {@code operation} on {@code modelId}, the id percent-encoded the way the AWS SDKs encode it
     * (so the SigV4 signature covers the same path Bedrock sees).
     */
    public static URI upstreamUri(String baseUrl, String modelId, BedrockOperation operation) {
        return URI.create(baseUrl + PREFIX + encode(modelId) + "/" + operation.pathSuffix());
    }

    /** RFC 3986 unreserved characters kept, everything else percent-encoded (UTF-8). */
    static String encode(String value) {
        StringBuilder out = new StringBuilder(value.length() + 8);
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z')
                    || (c >= 'A' && c <= 'Z')
                    || (c >= '0' && c <= '9')
                    || c == '-'
                    || c == '_'
                    || c == '.'
                    || c == '~') {
                out.append((char) c);
            } else {
                out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)));
                out.append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return out.toString();
    }

    /** Percent-decodes ({@code +} stays a plus); null when the encoding is broken. */
    static String decode(String value) {
        if (value.indexOf('%') < 0) {
            return value;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length()) {
                    return null;
                }
                int hi = Character.digit(value.charAt(i + 1), 16);
                int lo = Character.digit(value.charAt(i + 2), 16);
                if (hi < 0 || lo < 0) {
                    return null;
                }
                out.write((hi << 4) | lo);
                i += 2;
            } else {
                byte[] bytes = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                out.write(bytes, 0, bytes.length);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
