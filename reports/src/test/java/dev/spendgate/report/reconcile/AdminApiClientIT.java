package dev.spendgate.report.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.reconcile.BillSource;
import dev.spendgate.domain.reconcile.Explanation;
import dev.spendgate.domain.reconcile.Reconciliation;
import dev.spendgate.domain.report.MonthlyUsage;
import dev.spendgate.domain.report.MonthlyUsageSource;
import dev.spendgate.domain.store.ObjectStore;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The admin API fetchers against a local server speaking the providers' JSON, pagination included. */
class AdminApiClientIT {
    static MonthlyUsage metered;
    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void simulate() {
        metered = SimulatedMonth.usage();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
        }
    }

    /** Serves each endpoint's pages: the first without {@code page}, then page N for {@code page=page_N}. */
    URI serve(Map<String, List<ObjectNode>> endpoints) throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String query = exchange.getRequestURI().getRawQuery();
            String auth = exchange.getRequestHeaders()
                    .getFirst(path.contains("organizations") ? "x-api-key" : "Authorization");
            requests.add(path + " " + auth + " " + exchange.getRequestHeaders().getFirst("anthropic-version"));
            List<ObjectNode> pages = endpoints.get(path);
            int n = 0;
            if (query != null && query.contains("page=page_")) {
                n = Integer.parseInt(query.replaceAll(".*page=page_(\\d+).*", "$1"));
            }
            byte[] body = pages == null
                    ? "{}".getBytes(StandardCharsets.UTF_8)
                    : pages.get(n).toString().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(pages == null ? 404 : 200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Test
    void run_twoProvidersOverPaginatedApis_matchedWithoutAlarm() throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        URI base = serve(Map.of(
                "/v1/organization/costs", f.openAiCostPages(7),
                "/v1/organization/usage/completions", f.openAiUsagePages(7),
                "/v1/organizations/cost_report", f.anthropicCostPages(7),
                "/v1/organizations/usage_report/messages", f.anthropicUsagePages(7)));
        MemoryStore reports = new MemoryStore();
        List<AlertSink.Notice> notices = new ArrayList<>();

        ReconcileRun.Result r = run(
                base,
                reports,
                notices,
                Map.of(BillSource.OPENAI, "sk-admin-openai", BillSource.ANTHROPIC, "sk-ant-admin"));

        assertThat(requests)
                .filteredOn(s -> s.startsWith("/v1/organization/costs"))
                .hasSize(5); // 30 days, 7 a page
        assertThat(requests)
                .filteredOn(s -> s.startsWith("/v1/organization/"))
                .allMatch(s -> s.contains("Bearer sk-admin-openai"));
        assertThat(requests)
                .filteredOn(s -> s.startsWith("/v1/organizations/"))
                .allMatch(s -> s.endsWith("sk-ant-admin 2023-06-01"));
        assertThat(r.reconciliation().lines())
                .allSatisfy(l -> assertThat(l.explanation()).isEqualTo(Explanation.MATCHED));
        assertThat(r.csvKey()).isEqualTo("reconciliation/2026-11.csv");
        assertThat(new String(reports.get("reconciliation/2026-11.csv").orElseThrow(), StandardCharsets.UTF_8))
                .contains("provider_total,,openai", "provider_total,,anthropic");
        assertThat(r.skipped()).containsExactly("aws: no export bucket configured");
        assertThat(notices).isEmpty();
    }

    @Test
    void run_unmeteredTrafficAboveThreshold_alarmsOnceAndSkipsProviderWithoutKey() throws Exception {
        ProviderFiles f = ProviderFiles.of(metered, SimulatedMonth.CATALOG);
        // usage the provider bills but does not list in its usage report: unexplained, not "not seen"
        f.extras.add(new ProviderFiles.Extra(
                LocalDate.of(2026, 11, 3),
                "openai",
                "gpt-4.1-nano-2025-04-14, input",
                new java.math.BigDecimal("500"),
                null,
                null));
        URI base = serve(Map.of(
                "/v1/organization/costs", f.openAiCostPages(7),
                "/v1/organization/usage/completions", f.openAiUsagePages(7)));
        List<AlertSink.Notice> notices = new ArrayList<>();

        ReconcileRun.Result r = run(base, new MemoryStore(), notices, Map.of(BillSource.OPENAI, "sk-admin-openai"));

        assertThat(r.skipped()).contains("anthropic: no admin key");
        assertThat(r.alarmed()).isTrue();
        assertThat(notices).singleElement().satisfies(n -> {
            assertThat(n.subject()).contains("2026-11");
            assertThat(n.message()).startsWith("openai: unexplained 500.00 USD").contains("threshold 2 %");
            assertThat(n.message()).doesNotContain("sk-admin");
        });
        Reconciliation.Totals t = r.reconciliation().totals().get(BillSource.OPENAI);
        assertThat(t.unexplainedUsd()).isEqualByComparingTo("500");
    }

    @Test
    void openAi_rejectedKey_errorWithoutTheKey() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            exchange.sendResponseHeaders(401, -1);
            exchange.close();
        });
        server.start();
        URI base = URI.create("http://127.0.0.1:" + server.getAddress().getPort());

        assertThatThrownBy(() -> AdminApiClient.create(Duration.ofSeconds(5))
                        .openAi(base, "sk-secret", LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 2)))
                .hasMessage("OpenAI costs: HTTP 401 (is the admin key valid?)");
    }

    /**
     * An admin key pasted into the secret with its line end ({@code "sk-ant-admin01-...\\n"}): the JDK refuses the
     * header with an IllegalArgumentException quoting the value, which leaves the reconcile job and lands in its log.
     * The class promises keys are never put in exception messages.
     */
    @Test
    void anthropic_keyWithLineEnd_errorWithoutTheKey() {
        URI nowhere = URI.create("http://127.0.0.1:9");

        assertThatThrownBy(() -> AdminApiClient.create(Duration.ofSeconds(2))
                        .anthropic(
                                nowhere,
                                "sk-ant-admin01-secret\n",
                                LocalDate.of(2026, 11, 1),
                                LocalDate.of(2026, 11, 2)))
                .isInstanceOf(AdminApiClient.AdminApiException.class)
                .satisfies(e -> assertThat(e.toString()).doesNotContain("sk-ant-admin01-secret"));
    }

    /** A line end inside the key cannot be trimmed away: the error says what is wrong, still without the key. */
    @Test
    void openAi_keyWithLineEndInside_errorWithoutTheKey() {
        URI nowhere = URI.create("http://127.0.0.1:9");

        assertThatThrownBy(() -> AdminApiClient.create(Duration.ofSeconds(2))
                        .openAi(nowhere, "sk-admin-sec\nret", LocalDate.of(2026, 11, 1), LocalDate.of(2026, 11, 2)))
                .isInstanceOf(AdminApiClient.AdminApiException.class)
                .hasMessageContaining("OpenAI costs: the admin key is not a valid header value")
                .satisfies(e -> assertThat(e.toString()).doesNotContain("sk-admin-sec"));
    }

    ReconcileRun.Result run(
            URI base, MemoryStore reports, List<AlertSink.Notice> notices, Map<BillSource, String> keys) {
        AlertSink sink = new AlertSink() {
            @Override
            public void send(dev.spendgate.domain.budget.BudgetAlert alert) {}

            @Override
            public void send(Notice notice) {
                notices.add(notice);
            }
        };
        MonthlyUsageSource source = (month, sessions, ids, tap) -> metered;
        return new ReconcileRun(
                        source,
                        reports,
                        null,
                        null,
                        s -> Optional.ofNullable(keys.get(s)),
                        AdminApiClient.create(Duration.ofSeconds(10)),
                        new ReconcileRun.Endpoints(base, base),
                        sink,
                        SimulatedMonth.CATALOG,
                        java.math.BigDecimal.valueOf(2))
                .run(SimulatedMonth.MONTH, SimulatedMonth.MONTH.atEndOfMonth());
    }

    static final class MemoryStore implements ObjectStore {
        final Map<String, byte[]> objects = new TreeMap<>();

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
}
