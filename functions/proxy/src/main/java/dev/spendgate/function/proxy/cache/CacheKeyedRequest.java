package dev.spendgate.function.proxy.cache;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.pipeline.CallContext;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the response cache keys a call on: the request body as the client sent it, with the model it goes to (Bedrock
 * names it in the path; a routing rule or a degrade budget may change it) and the forwarded request headers that
 * change the answer: a Bedrock guardrail or trace ({@code X-Amzn-Bedrock-*}) and beta features
 * ({@code anthropic-beta}, {@code OpenAI-Beta}). A guarded call is never served the answer made without its guardrail.
 */
final class CacheKeyedRequest {
    /** The field the answer-changing headers are keyed under; never forwarded. */
    static final String HEADERS_FIELD = "spendgate:answer_headers";

    private CacheKeyedRequest() {}

    static ObjectNode body(CallContext ctx, String model) {
        ObjectNode body = ctx.body();
        Map<String, String> headers = answerHeaders(ctx);
        boolean sameModel = model == null || model.equals(body.path("model").asText(null));
        if (sameModel && headers.isEmpty()) {
            return body;
        }
        ObjectNode keyed = body.deepCopy();
        if (!sameModel) {
            keyed.put("model", model);
        }
        if (!headers.isEmpty()) {
            ObjectNode h = keyed.putObject(HEADERS_FIELD);
            headers.forEach(h::put);
        }
        return keyed;
    }

    /** The forwarded headers that change the answer, by lower-case name, several values joined in order. */
    static Map<String, String> answerHeaders(CallContext ctx) {
        Map<String, String> out = new TreeMap<>();
        ctx.request().headers().forEach((name, value) -> {
            String lower = Headers.lower(name);
            if (changesAnswer(lower) && ctx.api().forwardsHeader(lower)) {
                out.merge(lower, value, (a, b) -> a + "," + b);
            }
        });
        return out;
    }

    private static boolean changesAnswer(String lower) {
        return lower.startsWith("x-amzn-bedrock-") || lower.equals("anthropic-beta") || lower.equals("openai-beta");
    }
}
