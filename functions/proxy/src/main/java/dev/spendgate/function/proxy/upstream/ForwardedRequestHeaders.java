package dev.spendgate.function.proxy.upstream;

import java.util.Set;

/**
 * Which of a client's request headers reach a provider: all but the ones below. One rule for every path that forwards
 * a client's headers (the OpenAI-compatible and Anthropic APIs, the batch APIs); Bedrock forwards only its own.
 *
 * <ul>
 *   <li>hop-by-hop and framing headers (RFC 9110 7.6.1), which belong to the client's connection, and the ones the
 *       JDK's HTTP client refuses to be given ({@code date}, {@code from}, {@code via}, {@code warning});
 *   <li>the client's credentials (the provider's own key is added) and {@code accept-encoding} (usage is read);
 *   <li>Spendgate's own ({@code x-cost-*}, {@code x-spendgate-*});
 *   <li>the client's network path: its address and the proxies it came through ({@code x-forwarded-*}, {@code
 *       forwarded}, {@code x-real-ip}, {@code via}, API Gateway's {@code x-amzn-trace-id}, CloudFront's {@code
 *       x-amz-cf-id} and {@code cloudfront-*}). API Gateway adds {@code X-Forwarded-For} with the caller's public
 *       address to every request; a load balancer in front of the local gateway does too. Where the calls come from
 *       is not the provider's to know.
 * </ul>
 */
public final class ForwardedRequestHeaders {
    private static final Set<String> NEVER = Set.of(
            "host",
            "connection",
            "keep-alive",
            "proxy-connection",
            "transfer-encoding",
            "te",
            "trailer",
            "upgrade",
            "content-length",
            "expect",
            "http2-settings",
            "date",
            "from",
            "via",
            "warning",
            "authorization",
            "x-api-key",
            "api-key",
            "accept-encoding",
            "forwarded",
            "x-real-ip",
            "x-amzn-trace-id",
            "x-amz-cf-id");

    private ForwardedRequestHeaders() {}

    /** True when a client request header ({@code lowerName}, lower case) goes to the provider. */
    public static boolean forwarded(String lowerName) {
        return !NEVER.contains(lowerName)
                && !lowerName.startsWith("x-cost-")
                && !lowerName.startsWith("x-spendgate-")
                && !lowerName.startsWith("x-forwarded-")
                && !lowerName.startsWith("cloudfront-");
    }
}
