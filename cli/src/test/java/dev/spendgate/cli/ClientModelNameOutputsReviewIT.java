package dev.spendgate.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.function.proxy.GatewayRuntime;
import dev.spendgate.function.proxy.ProxyConfig;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import dev.spendgate.function.proxy.local.LocalGatewayServer;
import dev.spendgate.function.proxy.local.ServerLimits;
import dev.spendgate.testing.upstream.FakeLlmUpstream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code model} of a request is the client's text, kept in the usage record as sent (only its length is bounded,
 * {@code RequestLimits}), and the default OpenAI provider forwards any model name. Followed end to end through a real
 * local gateway in front of the fake provider into what people read: {@code usage --group-by model} and the board
 * PDF.
 */
class ClientModelNameOutputsReviewIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dataDir;

    /** Sends one chat call per model through a real local gateway; returns each call's status. */
    private List<Integer> callThroughGateway(String... models) throws Exception {
        return callThroughGateway(List.of(), models);
    }

    /** As above, call i carrying {@code features.get(i)} as its {@code X-Cost-Feature} when there is one. */
    private List<Integer> callThroughGateway(List<String> features, String... models) throws Exception {
        CliRun created = CliRun.of(
                "keys",
                "create",
                "--name",
                "app",
                "--environment",
                "prod",
                "--feature",
                "chat",
                "--department",
                "eng",
                "--data-dir",
                dataDir.toString());
        assertThat(created.code()).as(created.err()).isZero();
        String secret = created.out().replaceAll("(?s).*?(sg-[A-Za-z0-9_-]+).*", "$1");
        List<Integer> statuses = new ArrayList<>();
        try (FakeLlmUpstream upstream = FakeLlmUpstream.start()) {
            GatewayRuntime runtime = LocalGatewayRuntime.create(
                    ProxyConfig.fromEnv(Map.of(
                            "SPENDGATE_OPENAI_BASE_URL", upstream.openAiBaseUrl(),
                            "OPENAI_API_KEY", upstream.openAiKey())),
                    dataDir);
            LocalGatewayServer server = LocalGatewayServer.start(runtime, "127.0.0.1", 0, ServerLimits.defaults());
            try {
                HttpClient http = HttpClient.newHttpClient();
                for (int i = 0; i < models.length; i++) {
                    String model = models[i];
                    if (model.chars().anyMatch(c -> c < 0x20)) {
                        // what OpenAI answers for a model it does not have; nothing billed
                        upstream.enqueue(dev.spendgate.testing.upstream.Behavior.error(
                                404,
                                "{\"error\":{\"message\":\"The model does not exist.\",\"type\":"
                                        + "\"invalid_request_error\",\"param\":null,\"code\":\"model_not_found\"}}"));
                    }
                    String body = JSON.writeValueAsString(
                            Map.of("model", model, "messages", List.of(Map.of("role", "user", "content", "hi"))));
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/v1/chat/completions"))
                                    .header("Content-Type", "application/json")
                                    .header("Authorization", "Bearer " + secret)
                                    .header("X-Cost-Feature", i < features.size() ? features.get(i) : "chat")
                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    statuses.add(r.statusCode());
                }
            } finally {
                server.close();
                runtime.close(); // flushes the usage log
            }
        }
        return statuses;
    }

    /**
     * A client's model name with a line break forges a row of the operator's {@code usage} table (here a second
     * "TOTAL" line), and an ANSI escape reaches the operator's terminal raw. The project refuses control characters in
     * key names for exactly this reason (README, {@code keys create}: "a line break would split the {@code keys list}
     * row"); a model name is client input and can carry them too, and is recorded even when the provider answers 404
     * {@code model_not_found} (as OpenAI does for such a name). Right: the call refused with 400 naming
     * {@code model} (README "Bad input"), or the table printing one line per group with no control character.
     */
    @Test
    void usageGroupByModel_modelNameWithLineBreakAndEscape_printsOneLinePerGroupAndNoControlCharacter()
            throws Exception {
        List<Integer> statuses = callThroughGateway(
                "gpt-4o-mini", "gpt-4o\nTOTAL                                 0   $0.00", "\u001b[2Jgpt-4o");

        CliRun usage = CliRun.of("usage", "--group-by", "model", "--data-dir", dataDir.toString());

        assertThat(usage.code()).as(usage.err()).isZero();
        List<String> lines = Arrays.asList(usage.out().split("\n", -1));
        assertThat(lines.stream().filter(l -> l.startsWith("TOTAL")))
                .as("TOTAL lines of:\n%s (call statuses %s)", usage.out(), statuses)
                .hasSize(1);
        assertThat(usage.out()).as("ESC reaches the terminal").doesNotContain("\u001b");
    }

    /**
     * The board PDF draws text in the standard 14 fonts (WinAnsi), so every character outside Latin-1 becomes '?'
     * ({@code PdfLayout.safe}). Two models a client named in Japanese, different names and different records, come
     * out as the same "openai / ????" row in "Model efficiency": finance cannot tell which model each row is, nor match
     * it to the FOCUS file, which has the names right. Right: each row names its model recognisably (a Unicode font,
     * or an ASCII rendering such as the code points).
     */
    @Test
    void boardPdf_twoNonLatinModelNames_renderAsTwoDistinguishableRows() throws Exception {
        // an OpenAI-compatible server (vLLM's --served-model-name) answering under these names
        callThroughGateway("\u30af\u30ed\u30fc\u30c9", "\u30af\u30ed\u30fc\u30c8");
        Path out = dataDir.resolve("out");

        CliRun report = CliRun.of(
                "report",
                "--month",
                YearMonth.now(ZoneOffset.UTC).toString(),
                "--out",
                out.toString(),
                "--no-email",
                "--data-dir",
                dataDir.toString());

        assertThat(report.code()).as(report.err()).isZero();
        String text;
        try (PDDocument doc = Loader.loadPDF(out.resolve("board-report.pdf").toFile())) {
            text = new PDFTextStripper().getText(doc);
        }
        String efficiency = text.substring(text.indexOf("Model efficiency"));
        List<String> rows = efficiency
                .lines()
                .filter(l -> l.startsWith("openai / "))
                .map(l -> l.substring(0, l.indexOf(' ', "openai / ".length())))
                .toList();
        assertThat(rows).as(efficiency).hasSize(2);
        assertThat(rows.get(0)).as("the two models' rows: %s", rows).isNotEqualTo(rows.get(1));
    }

    /**
     * The same in the board PDF's "Top features" table: a feature may be 128 characters (README, attribution headers),
     * the column cuts it to about 45 with "...", so two features that differ after that (deployment or region
     * suffixes) print as the same row with different amounts. Right: each row names its feature distinguishably.
     */
    @Test
    void boardPdf_twoLongFeatureNamesDifferingAtTheEnd_renderAsTwoDistinguishableRows() throws Exception {
        String prefix = "customer-support-assistant.knowledge-base-search.emea";
        callThroughGateway(List.of(prefix + ".production", prefix + ".canary"), "gpt-4o-mini", "gpt-4o");
        Path out = dataDir.resolve("out");

        CliRun report = CliRun.of(
                "report",
                "--month",
                YearMonth.now(ZoneOffset.UTC).toString(),
                "--out",
                out.toString(),
                "--no-email",
                "--data-dir",
                dataDir.toString());

        assertThat(report.code()).as(report.err()).isZero();
        String text;
        try (PDDocument doc = Loader.loadPDF(out.resolve("board-report.pdf").toFile())) {
            text = new PDFTextStripper().getText(doc);
        }
        String table = text.substring(text.indexOf("Top features"), text.indexOf("Top departments"));
        List<String> rows = table.lines()
                .filter(l -> l.startsWith("customer-support"))
                .map(l -> l.substring(0, l.indexOf(' ')))
                .toList();
        assertThat(rows).as(table).hasSize(2);
        assertThat(rows.get(0)).as("the two features' rows: %s", rows).isNotEqualTo(rows.get(1));
    }
}
