package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.upstream.Behavior;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "Endpoints": the answer carries "{@code X-Spendgate-Cost-Usd} on priced non-streamed ones" — this gateway's
 * price of this call. An upstream that is itself a gateway (another Spendgate a team points at, as an
 * OpenAI-compatible provider) sends its own {@code X-Spendgate-*} headers: its cost, its budget's remainder. Relayed,
 * they read as this gateway's figures for the call, and a streamed answer, which this gateway gives no cost header,
 * then carries a cost it never computed.
 */
class UpstreamSpendgateHeadersReviewIT {
    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    @Test
    void streamedAnswer_upstreamsOwnSpendgateHeaders_notRelayedAsThisGatewaysFigures() {
        gw.upstream.enqueue(Behavior.defaults()
                .withHeader("X-Spendgate-Cost-Usd", "0.000001")
                .withHeader("X-Spendgate-Budget-Remaining-Usd", "999999"));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"gpt-4o-mini\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("[DONE]");
        assertThat(response.headers().firstValue("X-Spendgate-Cost-Usd"))
                .as("a streamed answer has no cost header of this gateway's")
                .isEmpty();
        assertThat(response.headers().firstValue("X-Spendgate-Budget-Remaining-Usd"))
                .as("no budget of this gateway applies to the call")
                .isEmpty();
    }
}
