package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.upstream.RecordedRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Where a call comes from is not the provider's to know: API Gateway adds {@code X-Forwarded-For} with the caller's
 * public address (and a trace id) to every request, and a load balancer in front of the local gateway does the same.
 * Before, the gateway passed them on to OpenAI and Anthropic with the rest of the client's headers.
 */
class ClientNetworkHeadersIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
    }

    @Test
    void callThroughAProxyChain_providerSeesNeitherTheCallersAddressNorTheChain_otherHeadersPass() throws Exception {
        gw = GatewayFixture.embedded(dir);
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

        HttpResponse<String> answer = gw.send(gw.post("/v1/chat/completions", body)
                .header("X-Forwarded-For", "203.0.113.7, 10.0.0.12")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Port", "443")
                .header("Forwarded", "for=203.0.113.7;proto=https")
                .header("X-Real-IP", "203.0.113.7")
                .header("X-Amzn-Trace-Id", "Root=1-67891233-abcdef012345678912345678")
                .header("X-Amz-Cf-Id", "Z0vKmWAbc==")
                .header("CloudFront-Viewer-Country", "DE")
                .header("OpenAI-Organization", "org-kept")
                .header("X-Request-Tag", "kept-too"));

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        RecordedRequest arrived = gw.upstream.lastRequest();
        assertThat(arrived.headers().keySet())
                .map(String::toLowerCase)
                .doesNotContain(
                        "x-forwarded-for",
                        "x-forwarded-proto",
                        "x-forwarded-port",
                        "forwarded",
                        "x-real-ip",
                        "x-amzn-trace-id",
                        "x-amz-cf-id",
                        "cloudfront-viewer-country");
        assertThat(arrived.header("OpenAI-Organization")).isEqualTo("org-kept");
        assertThat(arrived.header("X-Request-Tag")).isEqualTo("kept-too");
        assertThat(arrived.headers().toString()).doesNotContain("203.0.113.7");
    }
}
