package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * RFC 9110 7.6.1: a proxy "MUST remove any header or trailer fields" named in a received {@code Connection} field
 * before forwarding the message: they belong to the upstream's connection, not to the answer.
 */
class UpstreamHopByHopHeadersIT {
    private static final String JSON =
            "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":41,\"completion_tokens\":6,\"total_tokens\":47}}";

    @TempDir
    Path dir;

    private ScriptedUpstream upstream;
    private GatewayFixture gw;

    @AfterEach
    void stop() throws IOException {
        if (gw != null) {
            gw.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    @Timeout(30)
    void headersNamedInTheUpstreamsConnectionField_notRelayed() throws Exception {
        byte[] body = JSON.getBytes(StandardCharsets.UTF_8);
        upstream = new ScriptedUpstream(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: keep-alive, X-Upstream-Hop\r\n"
                        + "X-Upstream-Hop: node-7\r\nX-Request-Id: req_1\r\nContent-Length: " + body.length
                        + "\r\n\r\n",
                List.of(body));
        gw = GatewayFixture.embedded(dir, Map.of("SPENDGATE_OPENAI_BASE_URL", upstream.base() + "/v1"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(JSON);
        assertThat(response.headers().firstValue("X-Upstream-Hop")).isEmpty();
        assertThat(response.headers().firstValue("X-Request-Id"))
                .as("other headers pass")
                .hasValue("req_1");
    }
}
