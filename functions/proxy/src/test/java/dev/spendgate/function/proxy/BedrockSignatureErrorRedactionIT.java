package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A SigV4 signature mismatch is answered 403 {@code InvalidSignatureException} with the canonical request AWS
 * expected, headers included: with temporary credentials (the Lambda's role) that is the gateway's own session token
 * in the {@code x-amz-security-token} line. The caller gets the error, not the token.
 */
class BedrockSignatureErrorRedactionIT {
    private static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjEFAKE/SessionToken+0123456789abcdefABCDEF==";

    @TempDir
    Path dir;

    HttpServer bedrock;
    GatewayFixture gw;
    final AtomicReference<String> tokenSent = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        bedrock = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        bedrock.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            String token = exchange.getRequestHeaders().getFirst("x-amz-security-token");
            tokenSent.set(token);
            String canonical = "POST\\n" + exchange.getRequestURI().getRawPath() + "\\n\\n"
                    + "content-type:application/json\\nhost:bedrock-runtime.us-east-1.amazonaws.com\\n"
                    + "x-amz-date:20261205T120000Z\\nx-amz-security-token:" + token.replace("/", "\\/") + "\\n\\n"
                    + "content-type;host;x-amz-date;x-amz-security-token\\n"
                    + "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
            byte[] body = ("{\"message\":\"The request signature we calculated does not match the signature you"
                            + " provided. Check your AWS Secret Access Key and signing method. Consult the service"
                            + " documentation for details.\\n\\nThe Canonical String for this request should have"
                            + " been\\n'" + canonical + "'\\n\\nThe String-to-Sign should have been\\n'AWS4-HMAC-SHA256"
                            + "\\n20261205T120000Z\\n20261205/us-east-1/bedrock/aws4_request\\nabc'\\n\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.getResponseHeaders()
                    .set(
                            "x-amzn-ErrorType",
                            "InvalidSignatureException:http://internal.amazon.com/coral/com.amazon.coral.service/");
            exchange.sendResponseHeaders(403, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        bedrock.start();
        gw = GatewayFixture.embedded(
                dir,
                Map.of(
                        "SPENDGATE_BEDROCK_BASE_URL",
                        "http://127.0.0.1:" + bedrock.getAddress().getPort(),
                        "SPENDGATE_BEDROCK_REGION",
                        "us-east-1",
                        "AWS_ACCESS_KEY_ID",
                        "ASIAFAKEBEDROCK00001",
                        "AWS_SECRET_ACCESS_KEY",
                        "fake-bedrock-secret-access-key-0000000001",
                        "AWS_SESSION_TOKEN",
                        SESSION_TOKEN));
    }

    @AfterEach
    void stop() {
        gw.close();
        bedrock.stop(0);
    }

    @Test
    void converse_invalidSignatureException_relayedWithoutTheGatewaysSessionToken() {
        HttpResponse<String> response = gw.send(gw.post(
                "/model/anthropic.claude-sonnet-4-20250514-v1:0/converse",
                "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Why did the bill double?\"}]}]}"));

        assertThat(tokenSent.get())
                .as("the gateway signed with its session token")
                .isEqualTo(SESSION_TOKEN);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.headers().firstValue("x-amzn-ErrorType").orElseThrow())
                .startsWith("InvalidSignatureException");
        assertThat(response.body())
                .contains("The request signature we calculated does not match")
                .contains("x-amz-security-token:REDACTED\\n")
                .doesNotContain("SessionToken")
                .doesNotContain("IQoJb3JpZ2luX2VjEFAKE");
    }
}
