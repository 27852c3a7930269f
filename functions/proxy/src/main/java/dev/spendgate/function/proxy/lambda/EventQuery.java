package dev.spendgate.function.proxy.lambda;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The query string of an API Gateway REST proxy event, rebuilt as the client sent it. {@code queryStringParameters}
 * keeps only the last value of a repeated parameter; {@code multiValueQueryStringParameters} keeps them all, so it
 * is read first and the admin API refuses a repeated parameter in AWS as it does locally.
 */
public final class EventQuery {
    private EventQuery() {}

    /**
     * {@code path} with its query, percent-encoded.
     *
     * @param multi the event's {@code multiValueQueryStringParameters} (may be null)
     * @param single the event's {@code queryStringParameters}, used when {@code multi} is empty (may be null)
     */
    public static String withQuery(String path, Map<String, List<String>> multi, Map<String, String> single) {
        StringBuilder sb = new StringBuilder(path);
        char separator = '?';
        if (multi != null && !multi.isEmpty()) {
            for (Map.Entry<String, List<String>> e : multi.entrySet()) {
                List<String> values = e.getValue() == null ? Collections.singletonList(null) : e.getValue();
                for (String v : values) {
                    append(sb.append(separator), e.getKey(), v);
                    separator = '&';
                }
            }
        } else if (single != null) {
            for (Map.Entry<String, String> e : single.entrySet()) {
                append(sb.append(separator), e.getKey(), e.getValue());
                separator = '&';
            }
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String name, String value) {
        sb.append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(value == null ? "" : value, StandardCharsets.UTF_8));
    }
}
