package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity;

/**
 * On a route the gateway signs with SigV4 (here a {@code format: openai, auth: sigv4} provider, as for Bedrock's
 * {@code /openai/v1}), the AWS signing headers are the gateway's: a client's {@code X-Amz-Date},
 * {@code X-Amz-Security-Token} or other {@code x-amz-*} header is neither forwarded nor signed. Kept, a client's
 * {@code X-Amz-Date} made AWS refuse the gateway's signature (every such call failed), and a client's token went to AWS
 * beside the gateway's.
 */
class SigV4ClientAmzHeadersIT {
    private static final String ACCESS_KEY = "ASIAFAKEBEDROCK00003";
    private static final String SECRET_KEY = "fake-bedrock-secret-access-key-0000000003";
    private static final String SESSION_TOKEN = "IQoJb3JpZ2luX2VjFIX20a/GatewaySessionToken+0123456789==";
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'");
    private static final String ANSWER = "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1,"
            + "\"model\":\"openai.gpt-oss-120b-1:0\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
            + "\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}";

    @TempDir
    Path dir;

    HttpServer aws;
    GatewayFixture gw;
    final AtomicReference<Headers> received = new AtomicReference<>();
    final AtomicReference<String> signatureProblem = new AtomicReference<>();

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
    void clientAmzHeaders_onASigV4Route_areReplacedByTheGatewaysOwnSignature() throws Exception {
        aws = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        aws.createContext("/", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.set(exchange.getRequestHeaders());
            signatureProblem.set(signatureProblem(exchange.getRequestHeaders(), exchange.getRequestURI(), body));
            byte[] answer = signatureProblem.get() == null
                    ? ANSWER.getBytes(StandardCharsets.UTF_8)
                    : "{\"message\":\"The request signature we calculated does not match\"}"
                            .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(signatureProblem.get() == null ? 200 : 403, answer.length);
            exchange.getResponseBody().write(answer);
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
                        "SPENDGATE_PROVIDERS_FILE", providers.toString(),
                        "AWS_ACCESS_KEY_ID", ACCESS_KEY,
                        "AWS_SECRET_ACCESS_KEY", SECRET_KEY,
                        "AWS_SESSION_TOKEN", SESSION_TOKEN));

        HttpResponse<String> response = gw.send(gw.post(
                        "/v1/chat/completions",
                        "{\"model\":\"openai.gpt-oss-120b-1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}")
                .header("X-Amz-Date", "20200101T000000Z")
                .header("X-Amz-Security-Token", "client-own-token")
                .header("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
                .header("X-Amz-Meta-Team", "growth"));

        Headers sent = received.get();
        assertThat(sent.get("X-Amz-Security-Token")).containsExactly(SESSION_TOKEN);
        assertThat(sent.getFirst("X-Amz-Date")).isNotEqualTo("20200101T000000Z");
        // the signer's own payload hash, if any: never the client's
        assertThat(sent.getOrDefault("X-Amz-Content-Sha256", List.of())).doesNotContain("UNSIGNED-PAYLOAD");
        assertThat(sent.get("X-Amz-Meta-Team")).isNull();
        assertThat(signatureProblem.get()).as("AWS's check of the signature").isNull();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Null when the request as received verifies for the gateway's credentials, as AWS checks it; else why not. */
    private static String signatureProblem(Headers headers, URI uri, byte[] body) {
        String authorization = headers.getFirst("Authorization");
        String amzDate = headers.getFirst("X-Amz-Date");
        if (authorization == null || !authorization.startsWith("AWS4-HMAC-SHA256 ") || amzDate == null) {
            return "not signed";
        }
        Instant signedAt = LocalDateTime.parse(amzDate, AMZ_DATE).toInstant(ZoneOffset.UTC);
        if (Duration.between(signedAt, Instant.now()).abs().compareTo(Duration.ofMinutes(5)) > 0) {
            return "Signature expired: " + amzDate;
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (String part : authorization.substring(17).split(",")) {
            int eq = part.indexOf('=');
            if (eq > 0) {
                fields.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
            }
        }
        SdkHttpRequest.Builder request = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create("http://" + headers.getFirst("Host") + uri.getRawPath()));
        List<String> signed =
                new ArrayList<>(List.of(fields.getOrDefault("SignedHeaders", "").split(";")));
        for (String name : signed) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (!lower.equals("host") && !lower.equals("x-amz-date") && headers.containsKey(name)) {
                headers.get(name).forEach(v -> request.appendHeader(name, v));
            }
        }
        String want = AwsV4HttpSigner.create()
                .sign(r -> r.request(request.build())
                        .payload(ContentStreamProvider.fromByteArrayUnsafe(body))
                        .identity(AwsSessionCredentialsIdentity.create(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN))
                        .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "bedrock")
                        .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                        .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(signedAt, ZoneOffset.UTC)))
                .request()
                .firstMatchingHeader("Authorization")
                .orElse("");
        return want.equals(authorization) ? null : "The request signature we calculated does not match";
    }
}
