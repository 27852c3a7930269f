package dev.spendgate.function.proxy.upstream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.SseDecoder;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.net.URI;

/**
 * A provider's free endpoint ({@link FreeEndpoint}), relayed as any call is (the key checked, the call attributed,
 * the body validated and forwarded unchanged to the provider its model routes to) but not billed: it reserves no budget
 * and is recorded {@code not_billable} with no cost ({@link #billed}). No routing rule, response cache or prompt
 * caching applies; nothing of the answer is read.
 */
final class FreeApi implements ProviderApi {
    private static final PromptText NO_PROMPT = new PromptText("", "", "", 0, null);

    private final FreeEndpoint endpoint;

    FreeApi(FreeEndpoint endpoint) {
        this.endpoint = endpoint;
    }

    @Override
    public boolean billed() {
        return false;
    }

    @Override
    public ApiFormat format() {
        return endpoint.format();
    }

    @Override
    public Endpoint estimateAs() {
        return endpoint.bodyLike();
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

    /** The model the body names, else the endpoint's default one; these endpoints never stream. */
    @Override
    public ModelRequest readModel(ObjectNode body) {
        JsonNode model = body.get("model");
        if ((model == null || model.isNull()) && endpoint.defaultModel() != null) {
            return ModelRequest.of(endpoint.defaultModel(), false);
        }
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            return ModelRequest.invalid("model", "'model' is required and must be a non-empty string.");
        }
        return ModelRequest.of(model.asText(), false);
    }

    /** Nothing is estimated or fingerprinted for a free call. */
    @Override
    public PromptText prompt(ObjectNode body) {
        return NO_PROMPT;
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
        return body;
    }

    @Override
    public boolean forwardsHeader(String lowerName) {
        return ForwardedRequestHeaders.forwarded(lowerName);
    }

    @Override
    public void addRequiredHeaders(Headers out) {
        if (endpoint.format() == ApiFormat.ANTHROPIC && !out.contains("anthropic-version")) {
            out.set("anthropic-version", AnthropicApi.DEFAULT_VERSION);
        }
    }

    @Override
    public URI upstreamUri(Provider provider, String modelForwarded) {
        return URI.create(provider.baseUrl() + endpoint.upstreamSuffix());
    }

    @Override
    public UsageReading usageReading(Headers responseHeaders) {
        return NOTHING_READ;
    }

    /** A free call's answer carries no usage to read. */
    private static final UsageReading NOTHING_READ = new UsageReading() {
        private final SseDecoder.Listener ignored = new SseDecoder.Listener() {
            @Override
            public void onEvent(String event, String data) {}

            @Override
            public void onEvent(SseDecoder.Event event) {}
        };

        @Override
        public void onBody(byte[] body) {}

        @Override
        public SseDecoder.Listener sseEvents() {
            return ignored;
        }

        @Override
        public SseDecoder.Listener eventStreamEvents() {
            return ignored;
        }

        @Override
        public TrackedUsage result() {
            return new TrackedUsage(null, false, null, "");
        }
    };
}
