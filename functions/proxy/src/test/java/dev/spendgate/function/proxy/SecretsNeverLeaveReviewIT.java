package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.attribution.Attribution;
import dev.spendgate.domain.keys.ProxyKeys;
import dev.spendgate.testing.logging.CapturedLog;
import dev.spendgate.testing.upstream.Behavior;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import dev.spendgate.testing.upstream.RecordedRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Brief: "Secrets are never logged and never stored in clear". A real local gateway in front of the fake providers,
 * its standard error captured (JsonLogger's sink), driven through successes, streams, upstream errors, an unreachable
 * provider, a timeout, unknown and revoked proxy keys and bad attribution; then every byte that left the process or
 * was written is searched for the secrets. Provider keys are given shapes the log's redaction patterns do not know
 * ({@code AIza...} as Gemini's), so only their absence, not their redaction, passes.
 */
class SecretsNeverLeaveReviewIT {
    private static final String GEMINI_KEY = "AIzaSyREVIEW20a0gemini0provider0key0xyz";
    private static final String DEAD_KEY = "AIzaSyREVIEW20a0unreachable0provider0key";

    @TempDir
    Path dir;

    @Test
    void providerAndProxySecrets_neverInLogsAnswersRecordsOrUpstreamHeaders() throws Exception {
        FakeLlmUpstream gemini =
                FakeLlmUpstream.start(FakeLlmUpstream.Options.defaults().withOpenAiKey(GEMINI_KEY));
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path providers = dir.resolve("providers.json");
        Files.writeString(
                providers,
                "[{\"name\":\"gemini\",\"format\":\"openai\",\"base_url\":\"" + gemini.openAiBaseUrl() + "\","
                        + "\"api_key_env\":\"GEMINI_API_KEY\",\"models\":[\"gemini-*\"]},"
                        + "{\"name\":\"deadprov\",\"format\":\"openai\",\"base_url\":\"http://127.0.0.1:" + deadPort
                        + "/v1\",\"api_key_env\":\"DEAD_API_KEY\",\"models\":[\"dead-*\"]}]");
        Path data = dir.resolve("data");
        List<HttpResponse<String>> answers = new ArrayList<>();
        String[] secrets = new String[3];
        CapturedLog log;
        try (GatewayFixture gw = GatewayFixture.embedded(
                data,
                Map.of(
                        "SPENDGATE_PROVIDERS_FILE",
                        providers.toString(),
                        "GEMINI_API_KEY",
                        GEMINI_KEY,
                        "DEAD_API_KEY",
                        DEAD_KEY,
                        "SPENDGATE_UPSTREAM_TIMEOUT_SECONDS",
                        "1"))) {
            String revokedSecret = ProxyKeys.newSecret();
            String unknownSecret = ProxyKeys.newSecret();
            secrets[0] = gw.secret;
            secrets[1] = revokedSecret;
            secrets[2] = unknownSecret;
            var revoked = gw.newKey(revokedSecret, "old", new Attribution(null, null, null, "prod", null, null, null));
            gw.keys.revoke(revoked.id());
            log = CapturedLog.during(() -> {
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("gemini-2.5-flash", false))));
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("gemini-2.5-flash", true))));
                gemini.enqueue(Behavior.error(500));
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("gemini-2.5-flash", false))));
                gemini.enqueue(Behavior.error(401));
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("gemini-2.5-flash", false))));
                gemini.enqueue(Behavior.defaults().withFirstByteDelay(Duration.ofSeconds(3)));
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("gemini-2.5-flash", false))));
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("dead-model-1", false))));
                answers.add(gw.send(gw.post("/v1/chat/completions", chat("gemini-2.5-flash", false))
                        .header("X-Cost-Feature", "bad value " + gw.secret)));
                for (String other : List.of(revokedSecret, unknownSecret)) {
                    answers.add(gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/chat/completions"))
                            .header("Content-Type", "application/json")
                            .header("Authorization", "Bearer " + other)
                            .POST(HttpRequest.BodyPublishers.ofString(chat("gemini-2.5-flash", false)))));
                }
                answers.add(gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/messages"))
                        .header("Content-Type", "application/json")
                        .header("x-api-key", gw.secret)
                        .header("Authorization", "Bearer " + gw.secret)
                        .header("api-key", gw.secret)
                        .header("anthropic-version", "2023-06-01")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"claude-haiku-4-5\",\"max_tokens\":50,"
                                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))));
                gw.awaitRecords(8);
            });

            // what reached the providers: never a Spendgate key, under any header
            List<RecordedRequest> upstream = new ArrayList<>(gemini.requests());
            upstream.addAll(gw.upstream.requests());
            assertThat(upstream).isNotEmpty();
            for (RecordedRequest r : upstream) {
                for (String secret : secrets) {
                    assertThat(r.headers().toString())
                            .as("headers sent to %s", r.path())
                            .doesNotContain(secret);
                }
            }
        } finally {
            gemini.close();
        }

        assertThat(answers).extracting(HttpResponse::statusCode).contains(200, 500, 401, 502, 400);
        List<String> leakable = List.of(GEMINI_KEY, DEAD_KEY, secrets[0], secrets[1], secrets[2]);
        String stderr = String.join("\n", log.otherLines()) + "\n"
                + log.lines().stream().map(Object::toString).reduce("", (a, b) -> a + "\n" + b);
        for (String secret : leakable) {
            assertThat(stderr).as("standard error").doesNotContain(secret);
        }
        for (HttpResponse<String> a : answers) {
            for (String secret : List.of(GEMINI_KEY, DEAD_KEY)) {
                assertThat(a.body() + a.headers().map())
                        .as("answer to a client")
                        .doesNotContain(secret);
            }
        }
        assertThat(storedText(data)).as("usage records written").anyMatch(t -> t.contains("request_id"));
        for (String stored : storedText(data)) {
            for (String secret : leakable) {
                assertThat(stored).as("a file in the data directory").doesNotContain(secret);
            }
        }
    }

    private static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"What did we spend?\"}]}";
    }

    /** Every file under {@code root} as text, gzip members inflated. */
    private static List<String> storedText(Path root) throws IOException {
        List<String> texts = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                byte[] bytes = Files.readAllBytes(f);
                if (bytes.length > 2 && (bytes[0] & 0xff) == 0x1f && (bytes[1] & 0xff) == 0x8b) {
                    try (InputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
                        ByteArrayOutputStream out = new ByteArrayOutputStream();
                        in.transferTo(out);
                        bytes = out.toByteArray();
                    }
                }
                texts.add(f + ": " + new String(bytes, StandardCharsets.UTF_8));
            }
        }
        return texts;
    }
}
