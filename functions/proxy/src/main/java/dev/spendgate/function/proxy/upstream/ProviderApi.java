package dev.spendgate.function.proxy.upstream;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.function.proxy.bedrock.BedrockApi;
import dev.spendgate.function.proxy.bedrock.BedrockPath;
import dev.spendgate.function.proxy.http.Headers;
import dev.spendgate.function.proxy.usage.PromptText;
import dev.spendgate.function.proxy.usage.RequestedServiceTier;
import dev.spendgate.function.proxy.usage.UsageReading;
import java.net.URI;
import java.util.Optional;

/**
 * What differs between the provider APIs Spendgate serves (OpenAI-compatible, Anthropic Messages, the Bedrock
 * runtime), for one request path: how the body names its model, what is rewritten before forwarding, which headers
 * pass, where the call goes and how its usage is read. The stages of the request path ask this; none of them
 * branches on the provider.
 */
public interface ProviderApi {

    /** The API a request path names, or empty when Spendgate serves no such path. */
    static Optional<ProviderApi> forPath(String path) {
        if (BedrockPath.isBedrock(path)) {
            return BedrockPath.parse(path).map(BedrockApi::new);
        }
        Optional<FreeEndpoint> free = FreeEndpoint.forPath(path);
        if (free.isPresent()) {
            return Optional.of(new FreeApi(free.get()));
        }
        return Endpoint.forPath(path)
                .map(e -> e.format() == ApiFormat.ANTHROPIC ? new AnthropicApi(e) : new OpenAiApi(e));
    }

    /** The format an unknown path's refusal is written in (the API its path most looks like). */
    static ApiFormat formatOf(String path) {
        if (BedrockPath.isBedrock(path)) {
            return ApiFormat.BEDROCK;
        }
        return path.contains("messages") ? ApiFormat.ANTHROPIC : ApiFormat.OPENAI;
    }

    ApiFormat format();

    /**
     * False for a provider's free endpoint ({@link FreeEndpoint}): the call reserves no budget, no routing rule or
     * cache applies to it, and it is recorded {@code not_billable} with no cost.
     */
    default boolean billed() {
        return true;
    }

    /** The endpoint whose token semantics estimate the call for budgets. */
    Endpoint estimateAs();

    /** The usage record's {@code endpoint} value. */
    String recordName();

    /** The path as named in messages ({@code /v1/chat/completions}, {@code /model/{modelId}/converse}). */
    String pathLabel();

    /** Where "no provider is configured for model .. on X" refusals say the model was asked for. */
    String servedOn();

    /** The refusal message when no Spendgate key was sent. */
    default String missingKeyMessage() {
        return "Missing Spendgate key: send it as 'Authorization: Bearer sg-...' or 'x-api-key: sg-...'.";
    }

    /** The model and stream flag of a body, or the field at fault and why. */
    ModelRequest readModel(ObjectNode body);

    PromptText prompt(ObjectNode body);

    /** The service tier the request asked for, as the client spelled it ({@link RequestedServiceTier}); else null. */
    default String requestedServiceTier(ObjectNode body, Headers requestHeaders) {
        return RequestedServiceTier.of(body);
    }

    /**
     * True when the body forwarded to {@code provider} must ask for a streamed usage report the client did not ask
     * for: a streamed OpenAI-format chat completion, to a provider whose {@link Provider#streamUsageOption} is on.
     */
    default boolean addsStreamUsage(ObjectNode body, boolean stream, Provider provider) {
        return false;
    }

    /**
     * The {@code model} the body forwarded to {@code provider} names for {@code modelForwarded}: the model itself,
     * except on an API that takes another name there (Azure OpenAI's Responses API: the deployment).
     */
    default String modelSent(Provider provider, String modelForwarded) {
        return modelForwarded;
    }

    /**
     * The body to forward: {@code body} itself when nothing changes, else a changed copy ({@code modelForwarded}
     * when {@code degraded}: a budget degraded the call, a route moved it, or the provider takes another name for the
     * model ({@link #modelSent}); usage reporting asked for when {@code addStreamUsage}, request metadata added).
     * Never changes {@code body}.
     */
    ObjectNode rewrite(
            ObjectNode body,
            String modelForwarded,
            boolean degraded,
            boolean stream,
            boolean addStreamUsage,
            Attribution attribution,
            String requestId);

    /** True when a client request header (lower case) is forwarded to the provider. */
    boolean forwardsHeader(String lowerName);

    /** Headers the API needs that the client may not have sent (e.g. {@code anthropic-version}). */
    default void addRequiredHeaders(Headers out) {}

    URI upstreamUri(Provider provider, String modelForwarded);

    /** A fresh reader of the response's usage, given the response headers. */
    UsageReading usageReading(Headers responseHeaders);

    /**
     * The model the call is recorded and priced as served: the one the response names ({@code reported}, null when it
     * names none), unless the API bills by another name.
     */
    default String modelServed(String reported, String modelForwarded) {
        return reported;
    }

    /** The application inference profile ARN the record keeps, when the model names one. */
    default String inferenceProfileArn(String modelRequested) {
        return null;
    }

    /** The model a request names and whether it streams; or {@code invalidField} and {@code message}. */
    record ModelRequest(String model, boolean stream, String invalidField, String message) {
        public static ModelRequest of(String model, boolean stream) {
            return new ModelRequest(model, stream, null, null);
        }

        public static ModelRequest invalid(String field, String message) {
            return new ModelRequest(null, false, field, message);
        }

        public boolean valid() {
            return invalidField == null;
        }
    }
}
