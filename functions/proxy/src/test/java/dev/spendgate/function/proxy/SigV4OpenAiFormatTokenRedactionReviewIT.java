package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * README "More OpenAI-compatible providers": {@code auth} may be {@code sigv4} for any provider, so an OpenAI-format
 * provider can be Amazon Bedrock's OpenAI-compatible endpoint ({@code bedrock-runtime.REGION.amazonaws.com/openai/v1},
 * signed with the gateway's AWS credentials). README "Providers and Bedrock": a signature error's canonical request
 * carries "the gateway's own session token", which is replaced by {@code REDACTED} before the error reaches the
 * caller. That promise is about the credentials, not the route: the same AWS answer on the OpenAI-format route must
 * not hand the Lambda role's session token to every holder of a Spendgate key.
 */
class SigV4OpenAiFormatTokenRedactionReviewIT {
    private static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjREVIEW20a/SessionToken+0123456789abcdefABCDEF==";

    @TempDir
    Path dir;

    HttpServer aws;
    GatewayFixture gw;
    final AtomicReference<String> tokenSent = new AtomicReference<>();

    @AfterEach
    void stop() {
        if (gw != null) {
            gw.close();
        }
        if (aws != null) {
            aws.stop(0);
        }
    }

    @Test
    void openAiFormatSigV4Provider_invalidSignatureException_relayedWithoutTheGatewaysSessionToken() throws Exception {
        aws = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        aws.createContext("/", exchange -> {
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
        aws.start();
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"bedrock-openai\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:"
                        + aws.getAddress().getPort() + "/openai/v1\",\"auth\":\"sigv4\",\"region\":\"us-east-1\","
                        + "\"models\":[\"openai.gpt-oss-*\"]}]");
        gw = GatewayFixture.embedded(
                dir.resolve("data"),
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE",
                        providers.toString(),
                        "AWS_ACCESS_KEY_ID",
                        "ASIAFAKEBEDROCK00002",
                        "AWS_SECRET_ACCESS_KEY",
                        "fake-bedrock-secret-access-key-0000000002",
                        "AWS_SESSION_TOKEN",
                        SESSION_TOKEN));

        HttpResponse<String> response = gw.send(gw.post(
                "/v1/chat/completions",
                "{\"model\":\"openai.gpt-oss-120b-1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"));

        assertThat(tokenSent.get())
                .as("the gateway signed with its session token")
                .isEqualTo(SESSION_TOKEN);
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.body())
                .contains("The request signature we calculated does not match")
                .doesNotContain("SessionToken")
                .doesNotContain("IQoJb3JpZ2luX2VjREVIEW20a");
    }
}
