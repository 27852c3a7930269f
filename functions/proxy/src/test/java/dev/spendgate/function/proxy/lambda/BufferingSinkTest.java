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

    private static APIGatewayProxyResponseEvent respond(Headers headers, byte[] body) throws Exception {
        ProxyHandler.BufferingSink sink = new ProxyHandler.BufferingSink();
        sink.start(200, headers, body.length);
        sink.write(body, 0, body.length);
        sink.end();
        return sink.toEvent();
    }
}
