package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.routing.AppliedChange;
import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.embedded.FileGatewayPolicyStore;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The findings page's Apply button through the real local server on a simulated month, as {@code ./spendgate local}
 * wires it: the page links Apply for findings with a ready change, the Apply page shows the simulator's savings and
 * changes nothing, the confirmed form writes the change with who applied it and when, and none of it works without
 * the admin token.
 */
class ConsoleApplyIT {
    private static final String TOKEN = "console-admin-token-for-tests";
    private static final Pattern APPLY_LINK = Pattern.compile("href=\"finding-apply\\?id=([^\"]+)\"");
    private static final Pattern SAVED = Pattern.compile("would have saved \\$([0-9,.]+)");

    @TempDir
    Path dataDir;

    private FakeLlmUpstream upstream;
    private GatewayRuntime runtime;
    private LocalGatewayServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void setUp() {
        upstream = FakeLlmUpstream.start();
    }

    @AfterEach
    void tearDown() {
        if (server != null) {
            server.close();
        }
        if (runtime != null) {
            runtime.close();
        }
        upstream.close();
    }

    private HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/console/" + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, Map<String, String> form, String token) throws Exception {
        StringBuilder body = new StringBuilder();
        form.forEach((k, v) -> body.append(body.isEmpty() ? "" : "&")
                .append(k)
                .append('=')
                .append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(server.baseUrl() + "/console/" + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString()));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void applyButton_dryRunThenConfirm_writesTheChangeWithWhoAndWhen() throws Exception {
        YearMonth month = YearMonth.now(ZoneOffset.UTC).minusMonths(1);
        CliRun simulated = CliRun.of(
                "simulate",
                "--month",
                month.toString(),
                "--seed",
                "7",
                "--calls",
                "5000",
                "--data-dir",
                dataDir.toString());
        assertThat(simulated.code()).as(simulated.err()).isZero();
        runtime = LocalGatewayRuntime.create(
                ProxyConfig.fromEnv(Map.of(
                        "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl(),
                        "OPENAI_API_KEY", upstream.openAiKey(),
                        "SPENDGATE_ADMIN_TOKEN", TOKEN)),
                dataDir);
        // as `./spendgate local` wires it
        runtime.console()
                .useFindings(s -> new ConsoleFindings(
                        s, new FileGatewayPolicyStore(dataDir.resolve("policy/gateway-policy.json"))));
        server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());
        Path policyFile = dataDir.resolve("policy/gateway-policy.json");

        HttpResponse<String> findings = get("findings", TOKEN);
        Matcher link = APPLY_LINK.matcher(findings.body());
        assertThat(link.find()).as("an Apply link on the findings page").isTrue();
        String id = URLDecoder.decode(link.group(1).replace("&amp;", "&"), StandardCharsets.UTF_8);

        HttpResponse<String> dryRun = get("finding-apply?id=" + URLEncoder.encode(id, StandardCharsets.UTF_8), TOKEN);
        assertThat(dryRun.statusCode()).isEqualTo(200);
        Matcher saved = SAVED.matcher(dryRun.body());
        assertThat(saved.find()).as(dryRun.body()).isTrue();
        assertThat(dryRun.body()).contains("Dry run", "name=\"confirm\" value=\"yes\"");
        assertThat(policyFile).doesNotExist();

        HttpResponse<String> signedOut =
                post("finding-apply", Map.of("id", id, "confirm", "yes", "by", "mallory"), null);
        HttpResponse<String> nameless = post("finding-apply", Map.of("id", id, "confirm", "yes"), TOKEN);
        assertThat(signedOut.statusCode()).isEqualTo(401);
        assertThat(nameless.statusCode()).isEqualTo(400);
        assertThat(nameless.body()).contains("Field &#39;by&#39;");
        assertThat(policyFile).doesNotExist();

        Instant before = Instant.now().minusSeconds(1);
        HttpResponse<String> applied = post("finding-apply", Map.of("id", id, "confirm", "yes", "by", "alice"), TOKEN);

        assertThat(applied.statusCode()).as(applied.body()).isEqualTo(200);
        assertThat(applied.body()).contains("Applied by console:alice");
        GatewayPolicy policy = GatewayPolicy.parse(Files.readAllBytes(policyFile));
        AppliedChange change = policy.applied().get(0);
        assertThat(policy.applied()).hasSize(1);
        assertThat(change.findingId()).isEqualTo(id);
        assertThat(change.appliedBy()).isEqualTo("console:alice");
        assertThat(change.appliedAt()).isAfter(before).isBefore(Instant.now().plusSeconds(1));
        if (!change.change().equals("prompt_caching")) {
            // what the confirmed change records is what the dry run showed
            assertThat(change.wouldHaveSavedUsd().setScale(2, RoundingMode.HALF_UP))
                    .isEqualByComparingTo(new BigDecimal(saved.group(1).replace(",", "")))
                    .isPositive();
        }
        assertThat(policy.routes().size()
                        + policy.cache().size()
                        + policy.promptCaching().size())
                .isEqualTo(1);
    }
}
