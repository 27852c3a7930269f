package dev.spendgate.function.proxy.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;

/**
 * OpenAI-compatible APIs (OpenAI, Azure OpenAI, and the OpenAI-format providers): a streamed chat completion is
 * forwarded asking for usage ({@code stream_options.include_usage}), so its cost is the provider's, not an estimate.
 */
final class OpenAiApi extends JsonBodyApi {

    OpenAiApi(Endpoint endpoint) {
        super(endpoint);
    }

    @Override
    public ObjectNode rewrite(
            ObjectNode body,
            String modelForwarded,
            boolean degraded,
            boolean stream,
            Attribution attribution,
            String requestId) {
        ObjectNode out = super.rewrite(body, modelForwarded, degraded, stream, attribution, requestId);
        if (endpoint != Endpoint.CHAT_COMPLETIONS || !stream) {
            return out;
        }
        JsonNode options = out.path("stream_options");
        if (options.path("include_usage").asBoolean(false)) {
            return out;
        }
        if (out == body) {
            out = body.deepCopy();
        }
        ObjectNode o = options.isObject() ? (ObjectNode) out.get("stream_options") : out.putObject("stream_options");
        o.put("include_usage", true);
        return out;
    }
}
