package dev.spendgate.function.proxy.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;

/**
 * OpenAI-compatible APIs (OpenAI, Azure OpenAI, and the OpenAI-format providers): a streamed chat completion is
 * forwarded asking for usage ({@code stream_options.include_usage}) when its provider takes the option
 * ({@link Provider#streamUsageOption}), so its cost is the provider's, not an estimate.
 */
final class OpenAiApi extends JsonBodyApi {

    OpenAiApi(Endpoint endpoint) {
        super(endpoint);
    }

    @Override
    public boolean addsStreamUsage(ObjectNode body, boolean stream, Provider provider) {
        return endpoint == Endpoint.CHAT_COMPLETIONS
                && stream
                && provider != null
                && provider.streamUsageOption()
                && !body.path("stream_options").path("include_usage").asBoolean(false);
    }

    @Override
    public ObjectNode rewrite(
            ObjectNode body,
            String modelForwarded,
            boolean degraded,
            boolean stream,
            boolean addStreamUsage,
            Attribution attribution,
            String requestId) {
        ObjectNode out = super.rewrite(body, modelForwarded, degraded, stream, addStreamUsage, attribution, requestId);
        if (!addStreamUsage) {
            return out;
        }
        if (out == body) {
            out = topLevelCopy(body);
        }
        // the client's own stream_options object is shared with its body until copied here
        JsonNode options = out.path("stream_options");
        ObjectNode o = options.isObject() ? ((ObjectNode) options).deepCopy() : out.objectNode();
        o.put("include_usage", true);
        out.set("stream_options", o);
        return out;
    }
}
