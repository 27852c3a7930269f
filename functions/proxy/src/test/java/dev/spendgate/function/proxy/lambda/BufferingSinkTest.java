package dev.spendgate.function.proxy.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.amazonaws.services.lambda.runtime.events.APIGatewayProxyResponseEvent;
import dev.spendgate.function.proxy.http.Headers;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class BufferingSinkTest {

    @Test
    void toEvent_jsonAnswer_goesBackAsText() throws Exception {
        byte[] json = "{\"id\":\"chatcmpl-1\",\"note\":\"ünïcode\"}".getBytes(StandardCharsets.UTF_8);
        APIGatewayProxyResponseEvent event =
                respond(new Headers().set("Content-Type", "application/json; charset=utf-8"), json);

        assertThat(event.getIsBase64Encoded()).isFalse();
        assertThat(event.getBody()).isEqualTo(new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void toEvent_bedrockEventStream_isBase64SoTheBinaryFramesSurvive() throws Exception {
        // event-stream frames start with a big-endian length and carry CRCs: any byte may appear
        byte[] frame = new byte[256];
        for (int i = 0; i < frame.length; i++) {
            frame[i] = (byte) i;
        }
        APIGatewayProxyResponseEvent event =
                respond(new Headers().set("Content-Type", "application/vnd.amazon.eventstream"), frame);

        assertThat(event.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(event.getBody())).isEqualTo(frame);
    }

    @Test
    void toEvent_compressedJson_isBase64() throws Exception {
        byte[] gzipMagic = {(byte) 0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, (byte) 0xff};
        APIGatewayProxyResponseEvent event = respond(
                new Headers().set("Content-Type", "application/json").set("Content-Encoding", "gzip"), gzipMagic);

        assertThat(event.getIsBase64Encoded()).isTrue();
        assertThat(Base64.getDecoder().decode(event.getBody())).isEqualTo(gzipMagic);
    }

    @Test
    void abort_streamBrokenOffByTheProvider_502StillNamesTheRequestId() throws Exception {
        // README: X-Spendgate-Request-Id (the usage record's request_id) on every response; a client reporting a
        // broken-off answer needs it to find the call's record (upstream_truncated)
        ProxyHandler.BufferingSink sink = new ProxyHandler.BufferingSink();
        sink.start(
                200,
                new Headers()
                        .set("Content-Type", "text/event-stream")
                        .set("X-Spendgate-Request-Id", "3f2a9c1e-0b7d-4e51-9a8f-2c6d1e0f4b3a"),
                -1);
        byte[] partial = "data: {\"choices\":[{\"delta\":{\"content\":\"Hel\"}}]}\n\n".getBytes(StandardCharsets.UTF_8);
        sink.write(partial, 0, partial.length);
        sink.abort();
        APIGatewayProxyResponseEvent event = sink.toEvent();

        assertThat(event.getStatusCode()).isEqualTo(502);
        // today abort() clears every header: the 502 carries no request id
        java.util.Map<String, String> headers = new java.util.TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (event.getHeaders() != null) {
            headers.putAll(event.getHeaders());
        }
        if (event.getMultiValueHeaders() != null) {
            event.getMultiValueHeaders().forEach((name, values) -> headers.put(name, String.join(",", values)));
        }
        assertThat(headers).containsEntry("X-Spendgate-Request-Id", "3f2a9c1e-0b7d-4e51-9a8f-2c6d1e0f4b3a");
    }

    private static APIGatewayProxyResponseEvent respond(Headers headers, byte[] body) throws Exception {
        ProxyHandler.BufferingSink sink = new ProxyHandler.BufferingSink();
        sink.start(200, headers, body.length);
        sink.write(body, 0, body.length);
        sink.end();
        return sink.toEvent();
    }
}
