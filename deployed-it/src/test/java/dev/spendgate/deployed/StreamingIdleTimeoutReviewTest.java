package dev.spendgate.deployed;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.lambda.stream.StreamingBootstrap;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The deployed proxy's wait for a silent provider against API Gateway's own limit on a silent stream.
 *
 * <p>API Gateway's developer guide, "Stream the integration response for your proxy integrations" (considerations):
 * "Streams are subject to an idle timeout. For Regional or private endpoints, the timeout is 5 minutes. For
 * edge-optimized endpoints, the timeout is 30 seconds", and "When the connection between the client and API Gateway
 * or between API Gateway and Lambda is closed because of a timeout, the Lambda function might continue to run."
 * The stack's API is regional ({@code ProxyApi}: {@code EndpointType.REGIONAL}).
 *
 * <p>The proxy writes nothing to its streamed response until the provider's head has arrived (a non-streamed call:
 * until its whole answer), and it waits for that up to {@code SPENDGATE_UPSTREAM_TIMEOUT_SECONDS}, also between two
 * events of a stream. A deployed call whose provider is silent for longer than API Gateway's 5 minutes (a reasoning
 * model answering a non-streamed call after 6 minutes; the README promises "15 min timeout" on these routes) is cut by
 * API Gateway: the client gets API Gateway's 504, in no provider's error shape and without {@code
 * X-Spendgate-Request-Id}, and its SDK retries, sending the call upstream again. The function keeps waiting, the
 * provider answers, and the call is recorded as answered (200, its full cost charged to the budget) though nobody
 * received it. A deployed upstream timeout below API Gateway's idle timeout ends such a call in the proxy instead, with
 * its own error in the route's shape and a record ({@code upstream_timeout}) that says what the client saw.
 */
class StreamingIdleTimeoutReviewTest {
    /** API Gateway REST response streaming, regional endpoint: idle timeout (developer guide, quoted above). */
    private static final Duration API_GATEWAY_REGIONAL_STREAM_IDLE = Duration.ofMinutes(5);

    @Test
    void deployedProxy_waitsForASilentProviderNoLongerThanApiGatewayKeepsTheClient() {
        DeployedTemplate template = DeployedTemplate.synthesise(
                props -> {},
                Map.of("ReportRecipients", "finance@example.com", "SenderAddress", "spendgate@example.com"));
        DeployedTemplate.Function proxy = template.functionWithHandler(StreamingBootstrap.class.getName());

        ProxyConfig config = ProxyConfig.fromEnv(proxy.mountedEnvironment());

        assertThat(config.upstreamTimeout())
                .as(
                        "the deployed proxy's SPENDGATE_UPSTREAM_TIMEOUT_SECONDS (template environment: %s)",
                        proxy.environment().get("SPENDGATE_UPSTREAM_TIMEOUT_SECONDS"))
                .isLessThan(API_GATEWAY_REGIONAL_STREAM_IDLE);
    }
}
