package dev.spendgate.function.proxy.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.UsageReading;
import dev.spendgate.function.proxy.usage.UsageTracker;
import java.net.URI;

/**
 * The APIs whose body names the model ({@code model}, {@code stream}) and whose path is one of the {@link Endpoint}s:
 * OpenAI-compatible and Anthropic Messages. Client headers pass except those {@link ForwardedRequestHeaders} keeps
 * back.
 */
abstract class JsonBodyApi implements ProviderApi {
    protected final Endpoint endpoint;

    JsonBodyApi(Endpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public ApiFormat format() {
        return endpoint.format();
    }

    @Override
    public Endpoint estimateAs() {
        return endpoint;
    }

    @Override
    public String recordName() {
        return endpoint.recordName();
    }

    @Override
    public String pathLabel() {
        return endpoint.path();
    }

    @Override
    public String servedOn() {
        return endpoint.path();
    }

    @Override
    public ModelRequest readModel(ObjectNode body) {
        JsonNode model = body.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            return ModelRequest.invalid("model", "'model' is required and must be a non-empty string.");
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            return ModelRequest.invalid("stream", "'stream' must be a boolean.");
        }
        return ModelRequest.of(model.asText(), stream != null && stream.asBoolean());
    }

    @Override
    public PromptText prompt(ObjectNode body) {
        return PromptText.of(endpoint, body);
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
        if (!degraded) {
            return body;
        }
        ObjectNode copy = topLevelCopy(body);
        copy.put("model", modelForwarded);
        return copy;
    }

    /**
     * A new object holding {@code body}'s top-level fields in their order, their values shared: the forwarded body is
     * written out at once and dropped, so only the fields it replaces need to be its own. A deep copy would double
     * the tree a large body already holds, outside what the body-memory pool counts.
     */
    static ObjectNode topLevelCopy(ObjectNode body) {
        ObjectNode copy = body.objectNode();
        copy.setAll(body);
        return copy;
    }

    @Override
    public boolean forwardsHeader(String lowerName) {
        return ForwardedRequestHeaders.forwarded(lowerName);
    }

    @Override
    public String modelSent(Provider provider, String modelForwarded) {
        return endpoint.modelSent(provider, modelForwarded);
    }

    @Override
    public URI upstreamUri(Provider provider, String modelForwarded) {
        return endpoint.upstreamUri(provider, modelForwarded);
    }

    @Override
    public UsageReading usageReading(Headers responseHeaders) {
        return UsageReading.of(UsageTracker.forEndpoint(endpoint));
    }
}
