package dev.spendgate.function.proxy.bedrock;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.upstream.ApiFormat;
import dev.spendgate.function.proxy.upstream.Endpoint;
import dev.spendgate.function.proxy.upstream.Provider;
import dev.spendgate.function.proxy.upstream.ProviderApi;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.RequestedServiceTier;
import dev.spendgate.function.proxy.usage.SseDecoder;
import dev.spendgate.function.proxy.usage.TrackedUsage;
import dev.spendgate.function.proxy.usage.UsageReading;
import dev.spendgate.function.proxy.usage.UsageTracker;
import java.net.URI;
import java.util.Optional;

/**
 * The Bedrock runtime ({@code /model/{modelId}/{operation}}): the model is in the path, the body is the operation's
 * (never rewritten except Converse's {@code requestMetadata} and a degraded model id in the URL), only
 * {@code content-type}, {@code accept} and {@code x-amzn-bedrock-*} headers pass (the call is re-signed), and
 * InvokeModel's usage also comes from Bedrock's invocation metrics.
 */
public final class BedrockApi implements ProviderApi {
    private final BedrockPath path;

    public BedrockApi(BedrockPath path) {
        this.path = path;
    }

    public BedrockOperation operation() {
        return path.operation();
    }

    @Override
    public ApiFormat format() {
        return ApiFormat.BEDROCK;
    }

    @Override
    public Endpoint estimateAs() {
        return path.operation().estimateAs();
    }

    @Override
    public String recordName() {
        return path.operation().recordName();
    }

    @Override
    public String pathLabel() {
        return "/model/{modelId}/" + path.operation().pathSuffix();
    }

    @Override
    public String servedOn() {
        return "the Bedrock runtime";
    }

    @Override
    public String missingKeyMessage() {
        return "Missing Spendgate key: send it as 'x-api-key: sg-...' or 'Authorization: Bearer sg-...'"
                + " (with the AWS SDK: a token provider or an x-api-key header override).";
    }

    @Override
    public ModelRequest readModel(ObjectNode body) {
        Optional<BedrockRequests.Invalid> invalid = BedrockRequests.validate(path.operation(), body);
        if (invalid.isPresent()) {
            return ModelRequest.invalid(invalid.get().field(), invalid.get().message());
        }
        return ModelRequest.of(path.modelId(), path.operation().stream());
    }

    @Override
    public PromptText prompt(ObjectNode body) {
        return BedrockRequests.prompt(path.operation(), body);
    }

    /** InvokeModel's tier is in its headers ({@link InvokeTierHeaders}); Converse's in the body. */
    @Override
    public String requestedServiceTier(ObjectNode body, Headers requestHeaders) {
        String inHeaders = path.operation().converse() ? null : InvokeTierHeaders.of(requestHeaders);
        return inHeaders != null ? inHeaders : RequestedServiceTier.of(body);
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
        if (!path.operation().converse()) {
            return body;
        }
        return BedrockRequests.withRequestMetadata(body, attribution, requestId).orElse(body);
    }

    @Override
    public boolean forwardsHeader(String lowerName) {
        return lowerName.equals("content-type")
                || lowerName.equals("accept")
                || lowerName.startsWith("x-amzn-bedrock-");
    }

    @Override
    public URI upstreamUri(Provider provider, String modelForwarded) {
        return BedrockPath.upstreamUri(provider.baseUrl(), modelForwarded, path.operation());
    }

    @Override
    public UsageReading usageReading(Headers responseHeaders) {
        UsageTracker tracker = path.operation().tracker();
        if (path.operation().converse()) {
            return UsageReading.of(tracker);
        }
        InvocationMetrics metrics = new InvocationMetrics();
        metrics.readHeaders(responseHeaders);
        String tierServed = InvokeTierHeaders.served(responseHeaders);
        InvokeStreamChunks chunks = new InvokeStreamChunks(tracker, metrics);
        return new UsageReading() {
            @Override
            public void onBody(byte[] body) {
                tracker.onBody(body);
            }

            @Override
            public SseDecoder.Listener sseEvents() {
                return tracker;
            }

            @Override
            public SseDecoder.Listener eventStreamEvents() {
                return chunks;
            }

            @Override
            public TrackedUsage result() {
                String unserved = chunks.unservedException();
                if (unserved != null) {
                    return TrackedUsage.unserved(unserved);
                }
                TrackedUsage tracked =
                        metrics.orElse(tracker.result()).withStreamException(chunks.exceptionAfterContent());
                return tierServed != null ? tracked.withServiceTier(tierServed) : tracked;
            }
        };
    }

    /**
     * InvokeModel is billed as the model id in its path, which is what the catalog's {@code bedrock} entries name
     * ({@code global.anthropic.claude-haiku-4-5-20251001-v1:0}, priced apart from its {@code us.} profile); the
     * {@code model} of a Claude body ({@code claude-haiku-4-5-20251001}) is Anthropic's name, no Bedrock price. Converse
     * names no model, except the one a prompt router chose.
     */
    @Override
    public String modelServed(String reported, String modelForwarded) {
        return path.operation().converse() ? reported : modelForwarded;
    }

    @Override
    public String inferenceProfileArn(String modelRequested) {
        return InferenceProfiles.applicationProfileArn(modelRequested);
    }
}
