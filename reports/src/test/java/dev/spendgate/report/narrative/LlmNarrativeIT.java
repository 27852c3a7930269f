package dev.spendgate.report.narrative;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.pricing.TokenUsage;
import dev.spendgate.domain.report.CellKey;
import dev.spendgate.domain.report.CellTotals;
import dev.spendgate.domain.report.Money;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.report.MonthlyReport;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The LLM-drafted narrative against a local OpenAI-compatible endpoint standing in for the gateway. */
class LlmNarrativeIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final YearMonth MONTH = YearMonth.of(2026, 11);

    HttpServer server;
    final AtomicReference<String> reply = new AtomicReference<>();
    final AtomicReference<JsonNode> request = new AtomicReference<>();
    final AtomicReference<String> auth = new AtomicReference<>();
    final AtomicReference<String> feature = new AtomicReference<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/chat/completions", exchange -> {
            auth.set(exchange.getRequestHeaders().getFirst("Authorization"));
            feature.set(exchange.getRequestHeaders().getFirst("X-Cost-Feature"));
            request.set(JSON.readTree(exchange.getRequestBody().readAllBytes()));
            var answer = JSON.createObjectNode();
            answer.putArray("choices")
                    .addObject()
                    .putObject("message")
                    .put("role", "assistant")
                    .put("content", reply.get());
            byte[] body = JSON.writeValueAsBytes(answer);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    static final class Store implements ObjectStore {
        final ConcurrentSkipListMap<String, byte[]> objects = new ConcurrentSkipListMap<>();

        @Override
        public void put(String key, byte[] content) {
            objects.put(key, content);
        }

        @Override
        public Optional<byte[]> get(String key) {
            return Optional.ofNullable(objects.get(key));
        }

        @Override
        public List<String> list(String prefix) {
            return objects.keySet().stream().filter(k -> k.startsWith(prefix)).toList();
        }
    }

    MonthlyReport.Result run(Store out) {
        MonthlyUsageSource source = (m, s, r, tap) -> {
            MonthlyUsage usage = MonthlyUsage.of(m);
            if (m.equals(MONTH)) {
                usage.add(
                        new CellKey(LocalDate.of(2026, 11, 2), "openai", "gpt-4o", "k", "chat", "support", null, null),
                        CellTotals.of(420, 420, 0, TokenUsage.openAi(1000, 0, 100, 0), new BigDecimal("1234.5678")));
            }
            return usage;
        };
        LlmNarrative llm = new LlmNarrative(new LlmNarrative.Settings(
                "http://127.0.0.1:" + server.getAddress().getPort() + "/v1", "sg-report-key", "gpt-4o-mini", null));
        return MonthlyReport.create(
                        new MonthlyReport.Settings(
                                PricingCatalog.bundled(), PricingCatalog.bundled(), null, null, null),
                        Clock.fixed(Instant.parse("2026-12-01T06:00:00Z"), ZoneOffset.UTC))
                .withLlmNarrative(llm)
                .run(MONTH, source, new Store(), out, "", null, false);
    }

    static String pdfText(Store out) throws Exception {
        try (PDDocument doc = Loader.loadPDF(out.get("board-report.pdf").orElseThrow())) {
            return new PDFTextStripper().getText(doc);
        }
    }

    @Test
    void run_draftWhoseNumbersAreAllFigures_isThePdfsNarrative() throws Exception {
        reply.set("AI spend in November 2026 came to " + Money.usd(new BigDecimal("1234.5678"))
                + " over 420 calls.\n\nSupport's chat feature accounted for all of it.");
        Store out = new Store();

        MonthlyReport.Result r = run(out);

        assertThat(r.narrativeByLlm()).isTrue();
        assertThat(r.warnings()).isEmpty();
        assertThat(auth.get()).isEqualTo("Bearer sg-report-key");
        assertThat(feature.get()).isEqualTo("finance-report");
        assertThat(request.get().at("/messages/1/content").asText())
                .contains("total_spend: $1,234.57")
                .contains("calls: 420");
        assertThat(pdfText(out))
                .contains("AI spend in November 2026 came to $1,234.57 over 420 calls.")
                .contains("every number in it was checked");
    }

    @Test
    void run_draftWithAnInventedNumber_keepsTheDeterministicNarrativeAndSaysWhy() throws Exception {
        reply.set("AI spend in November 2026 came to $1,234.57, and will reach $2,000.00 next month.");
        Store out = new Store();

        MonthlyReport.Result r = run(out);

        assertThat(r.narrativeByLlm()).isFalse();
        assertThat(r.warnings()).singleElement().asString().contains("[$2,000.00]");
        assertThat(pdfText(out))
                .contains("In November 2026, AI spend through Spendgate was $1,234.57 across 420 calls")
                .doesNotContain("$2,000.00");
    }
}
