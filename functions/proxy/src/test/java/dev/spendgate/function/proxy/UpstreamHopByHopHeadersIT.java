package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.upstream.RecordedRequest;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
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

    @Test
    @Timeout(30)
    void headersNamedInTheClientsConnectionField_notForwardedUpstream() throws Exception {
        gw = GatewayFixture.embedded(dir);
        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}";
        String head;
        try (Socket s = new Socket("127.0.0.1", gw.server.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            + "Authorization: Bearer " + gw.secret + "\r\nContent-Type: application/json\r\n"
                            + "Connection: close, X-Client-Hop, OpenAI-Organization\r\nX-Client-Hop: hop-value\r\n"
                            + "OpenAI-Organization: org-for-this-hop-only\r\nX-Client-End: end-to-end\r\n"
                            + "Content-Length: " + body.length() + "\r\n\r\n" + body)
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            head = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }

        assertThat(head).startsWith("HTTP/1.1 200");
        RecordedRequest forwarded = gw.upstream.lastRequest();
        assertThat(forwarded.header("X-Client-Hop")).isNull();
        assertThat(forwarded.header("OpenAI-Organization")).isNull();
        assertThat(forwarded.header("X-Client-End")).as("other headers pass").isEqualTo("end-to-end");
    }
}
