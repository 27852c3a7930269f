package dev.spendgate.function.waste;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.amazonaws.services.lambda.runtime.Context;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.aws.s3.S3ObjectStore;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetPolicyStore;
import dev.spendgate.domain.keys.KeyStore;
import dev.spendgate.domain.keys.ProxyKey;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.simulate.Simulation;
import dev.spendgate.domain.simulate.TrafficSimulator;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.domain.usage.UsageLayout;
import dev.spendgate.domain.waste.Governance;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.logging.CapturedLog;
import java.io.InputStream;
import java.time.Clock;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WasteDetectorHandlerIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final YearMonth MONTH = YearMonth.of(2026, 10);
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-01T03:00:07Z"), ZoneOffset.UTC);
    private static String bucket;
    private static S3ObjectStore s3;
    private static Governance governance;

    @BeforeAll
    static void simulateAMonthIntoS3() {
        LocalS3 local = LocalS3.shared();
        bucket = local.createUniqueBucket("waste");
        s3 = new S3ObjectStore(local.clientBuilder().build(), bucket);
        TrafficSimulator simulator = TrafficSimulator.create(
                PricingCatalog.bundled(), new TrafficSimulator.Settings(MONTH, 5, 5_000, false));
        List<ProxyKey> keys = new ArrayList<>();
        List<BudgetPolicy> policies = new ArrayList<>();
        Simulation.write(simulator, MONTH, s3, collectingKeys(keys), collectingPolicies(policies), CLOCK, (d, n) -> {});
        governance = new Governance(keys, policies);
        // a damaged object: the first half of a gzip file
        byte[] whole = s3.get(s3.list(UsageLayout.dayPrefix(Instant.parse("2026-10-20T00:00:00Z")))
                        .get(10))
                .orElseThrow();
        s3.put(
                UsageLayout.hourPrefix(Instant.parse("2026-10-20T12:00:00Z")) + "part-damaged.ndjson.gz",
                java.util.Arrays.copyOf(whole, whole.length / 2));
    }

    @Test
    void handleRequest_scheduledEvent_writesTheDaysFindingsToS3AndSendsTheTopOnesToTheAlertSink() throws Exception {
        RecordingSink sink = new RecordingSink();
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> governance, sink, CLOCK, 5);

        Map<String, Object> result = handler.handleRequest(event("scheduled-2026-11-01.json"), null);

        assertThat(result).containsEntry("findings_key", "findings/2026-11-01.json");
        JsonNode findings = JSON.readTree(s3.get("findings/2026-11-01.json").orElseThrow());
        assertThat(findings.at("/window/from").asText()).isEqualTo("2026-10-02T00:00:00Z");
        assertThat(findings.at("/window/to").asText()).isEqualTo("2026-11-01T00:00:00Z");
        assertThat(findings.at("/input/unreadable_objects").asInt()).isEqualTo(1);
        Set<String> categories = new HashSet<>();
        findings.get("findings").forEach(f -> categories.add(f.get("category").asText()));
        assertThat(categories)
                .contains("model_mismatch", "context_bloat", "retry_waste", "cache_miss", "ungoverned_key")
                .isSubsetOf(java.util.Arrays.stream(dev.spendgate.domain.waste.WasteCategory.values())
                        .map(dev.spendgate.domain.waste.WasteCategory::label)
                        .toList());
        assertThat(sink.notices).singleElement().satisfies(n -> {
            assertThat(n.subject()).isEqualTo("Spendgate waste findings for 2026-11-01");
            assertThat(n.message())
                    .contains("1. $")
                    .contains("5. $")
                    .doesNotContain("6. $")
                    .contains(findings.at("/advisor/0/recommendation").asText());
            assertThat(n.attributes()).containsEntry("findings_key", "findings/2026-11-01.json");
        });
    }

    /**
     * The 30 days to October 27th hold a damaged usage object (half a gzip file, October 20th): its records are in no
     * finding, and the findings file says so ({@code input.unreadable_objects} 1). The alert, the one thing of the run
     * people read, says "Spendgate found $X per month of recoverable AI spend" and lists the top findings with no word
     * that part of the usage could not be read: its dollars read as the whole window's.
     */
    @Test
    void handleRequest_damagedUsageObjectInTheWindow_alertSaysWhatTheFindingsLeaveOut() throws Exception {
        RecordingSink sink = new RecordingSink();
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> governance, sink, CLOCK, 5);
        Map<String, Object> event = event("scheduled-2026-11-01.json");
        event.put("time", "2026-10-27T03:00:00Z");

        Map<String, Object> result = handler.handleRequest(event, null);

        assertThat(result).containsEntry("findings_key", "findings/2026-10-27.json");
        JsonNode findings = JSON.readTree(s3.get("findings/2026-10-27.json").orElseThrow());
        assertThat(findings.at("/input/unreadable_objects").asInt()).isEqualTo(1);
        assertThat(sink.notices).singleElement().satisfies(n -> assertThat(n.message())
                .as("the alert as its readers get it:%n%s", n.message())
                .containsAnyOf("damaged", "unreadable", "could not be read", "not read", "skipped"));
    }

    @Test
    void handleRequest_withLambdaContext_logsOneJsonLineWithRequestIdDurationAndCounts() throws Exception {
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> governance, new RecordingSink(), CLOCK, 5);
        Context context = (Context) java.lang.reflect.Proxy.newProxyInstance(
                Context.class.getClassLoader(),
                new Class<?>[] {Context.class},
                (proxy, method, args) -> method.getName().equals("getAwsRequestId") ? "lambda-req-7" : null);
        java.util.concurrent.atomic.AtomicReference<Map<String, Object>> result =
                new java.util.concurrent.atomic.AtomicReference<>();

        CapturedLog log = CapturedLog.during(
                // a day of its own: the other tests count the alerts sent for 2026-11-01
                () -> result.set(handler.handleRequest(Map.of("scheduled_time", "2026-10-30T03:00:00Z"), context)));

        JsonNode line = log.single("waste.findings_written");
        assertThat(CapturedLog.hasCommonShape(line)).isTrue();
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("service").asText()).isEqualTo("waste-detector");
        assertThat(line.get("request_id").asText()).isEqualTo("lambda-req-7");
        assertThat(line.get("duration_ms").isIntegralNumber()).isTrue();
        assertThat(line.get("findings_key").asText()).isEqualTo("findings/2026-10-30.json");
        assertThat(line.get("findings").asInt()).isEqualTo(result.get().get("findings"));
        assertThat(line.get("records").asLong())
                .isEqualTo(((Number) result.get().get("records")).longValue());
        assertThat(line.get("monthly_savings_usd").decimalValue())
                .isEqualByComparingTo(result.get().get("monthly_savings_usd").toString());
    }

    @Test
    void handleRequest_retriedRunForTheSameDay_rewritesFindingsButAlertsOnce() throws Exception {
        RecordingSink sink = new RecordingSink();
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> governance, sink, CLOCK, 5);
        Map<String, Object> event = event("scheduled-2026-11-01.json");
        event.put("time", "2026-11-02T03:00:00Z");

        Map<String, Object> first = handler.handleRequest(event, null);
        Map<String, Object> retry = handler.handleRequest(event, null);

        assertThat(first).containsEntry("alerted_findings", 5);
        assertThat(retry)
                .containsEntry("findings_key", "findings/2026-11-02.json")
                .containsEntry("alerted_findings", 0);
        assertThat(sink.notices).hasSize(1);
    }

    /**
     * Writing the day's {@code .alerted} marker fails once (an S3 500): the run takes the marker before it alerts, so
     * it throws without alerting, Lambda retries the asynchronous invocation, and the retry alerts the findings once.
     */
    @Test
    void handleRequest_markerWriteFailsAfterTheAlert_retryDoesNotAlertAgain() throws Exception {
        RecordingSink sink = new RecordingSink();
        AtomicBoolean failed = new AtomicBoolean();
        ObjectStore flaky = new ObjectStore() {
            @Override
            public void put(String key, byte[] content) {
                if (key.endsWith(".alerted") && failed.compareAndSet(false, true)) {
                    throw new ObjectStoreException("S3 PutObject: 500 InternalError", null);
                }
                s3.put(key, content);
            }

            @Override
            public Optional<byte[]> get(String key) {
                return s3.get(key);
            }

            @Override
            public Optional<InputStream> open(String key) {
                return s3.open(key);
            }

            @Override
            public List<String> list(String prefix) {
                return s3.list(prefix);
            }

            @Override
            public List<Listed> listWithSizes(String prefix) {
                return s3.listWithSizes(prefix);
            }
        };
        WasteDetectorHandler handler = new WasteDetectorHandler(flaky, () -> governance, sink, CLOCK, 5);
        Map<String, Object> event = event("scheduled-2026-11-01.json");
        event.put("time", "2026-11-03T03:00:00Z");

        try {
            handler.handleRequest(event, null);
        } catch (RuntimeException e) {
            // the invocation failed: Lambda retries it (ScheduledJobs.onFailure, retryAttempts 2)
            handler.handleRequest(event, null);
        }

        assertThat(failed).isTrue();
        assertThat(sink.notices).hasSize(1);
    }

    /** Publishing the day's alert fails once (SNS unavailable): the run fails, gives the day back, the retry alerts. */
    @Test
    void handleRequest_publishFails_retryAlertsTheDay() throws Exception {
        RecordingSink sink = new RecordingSink();
        AtomicBoolean failed = new AtomicBoolean();
        AlertSink flaky = new AlertSink() {
            @Override
            public void send(BudgetAlert alert) {
                throw new AssertionError("no budget alerts expected");
            }

            @Override
            public void send(Notice notice) {
                if (failed.compareAndSet(false, true)) {
                    throw new IllegalStateException("SNS Publish: 500 InternalError");
                }
                sink.send(notice);
            }
        };
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> governance, flaky, CLOCK, 5);
        Map<String, Object> event = event("scheduled-2026-11-01.json");
        event.put("time", "2026-11-04T03:00:00Z");

        assertThatThrownBy(() -> handler.handleRequest(event, null)).hasMessageContaining("SNS Publish");
        assertThat(s3.get("findings/2026-11-04.alerted"))
                .as("the day given back")
                .isEmpty();
        Map<String, Object> retry = handler.handleRequest(event, null);

        assertThat(retry).containsEntry("alerted_findings", 5);
        assertThat(sink.notices).hasSize(1);
        assertThat(s3.get("findings/2026-11-04.alerted")).isPresent();
    }

    @Test
    void handleRequest_nextDay_reusesTheStoredDaysAndMatchesTheRawRecordsPass() throws Exception {
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> governance, null, CLOCK, 5);
        WasteDetectorHandler raw = new WasteDetectorHandler(s3, () -> governance, null, CLOCK, 5, false);

        Map<String, Object> first = handler.handleRequest(Map.of("time", "2026-10-30T03:00:00Z"), null);
        byte[] fromAggregates = s3.get("findings/2026-10-30.json").orElseThrow();
        Map<String, Object> next = handler.handleRequest(Map.of("time", "2026-10-31T03:00:00Z"), null);
        Map<String, Object> fromLog = raw.handleRequest(Map.of("time", "2026-10-30T03:00:00Z"), null);

        assertThat(first).containsEntry("source", "aggregates");
        assertThat((Integer) first.get("aggregates_built") + (Integer) first.get("aggregates_reused"))
                .isEqualTo(30);
        // the other tests of this class may have built some days already: at most yesterday is new
        assertThat((Integer) next.get("aggregates_built")).isLessThanOrEqualTo(1);
        assertThat((Integer) next.get("aggregates_reused")).isGreaterThanOrEqualTo(29);
        assertThat(s3.get("aggregates/v1/day=2026-10-30/waste.json.gz")).isPresent();
        assertThat(fromLog).containsEntry("source", "log").containsEntry("records", first.get("records"));
        assertThat(new String(
                        s3.get("findings/2026-10-30.json").orElseThrow(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo(new String(fromAggregates, java.nio.charset.StandardCharsets.UTF_8));
    }

    @Test
    void handleRequest_mergeBoundsFromTheEnvironment_settleTheWindowAndSaySo() throws Exception {
        WasteDetectorConfig config = WasteDetectorConfig.fromEnvironment(Map.of(
                "SPENDGATE_USAGE_BUCKET", bucket,
                "SPENDGATE_WASTE_MERGE_MAX_RETRY_SCOPES", "1",
                "SPENDGATE_WASTE_MERGE_MAX_PROMPTS", "1",
                "SPENDGATE_WASTE_MERGE_MAX_JOBS", "1"));
        WasteDetectorHandler defaults = new WasteDetectorHandler(s3, () -> governance, null, CLOCK, 5);
        WasteDetectorHandler small =
                new WasteDetectorHandler(s3, () -> governance, null, CLOCK, 5, config.mergeBounds());

        defaults.handleRequest(Map.of("time", "2026-10-29T03:00:00Z"), null);
        List<String> unbounded = warnings(s3.get("findings/2026-10-29.json").orElseThrow());
        small.handleRequest(Map.of("time", "2026-10-29T03:00:00Z"), null);
        List<String> bounded = warnings(s3.get("findings/2026-10-29.json").orElseThrow());

        assertThat(unbounded).noneMatch(w -> w.contains("in the window, were"));
        assertThat(bounded).anyMatch(w -> w.startsWith("approximated: ") && w.contains(", past 1 in the window,"));
    }

    private static List<String> warnings(byte[] findingsJson) throws Exception {
        List<String> out = new ArrayList<>();
        JSON.readTree(findingsJson).get("input").get("warnings").forEach(w -> out.add(w.asText()));
        return out;
    }

    @Test
    void handleRequest_withoutKeyAndBudgetStores_skipsTheRulesThatNeedThem() throws Exception {
        WasteDetectorHandler handler = new WasteDetectorHandler(s3, () -> Governance.UNKNOWN, null, CLOCK, 5);

        handler.handleRequest(Map.of("scheduled_time", "2026-10-31T03:00:00Z"), null);

        JsonNode findings = JSON.readTree(s3.get("findings/2026-10-31.json").orElseThrow());
        List<String> kinds = new ArrayList<>();
        findings.get("findings").forEach(f -> {
            if (f.get("category").asText().equals("ungoverned_key")) {
                kinds.add(f.get("kind").asText());
            }
        });
        assertThat(kinds).containsExactly("unattributed");
    }

    @Test
    void handleRequest_recordsFirehoseCouldNotDeliver_areBackInTheWindowAndTheErrorObjectIsGone() throws Exception {
        LocalS3 local = LocalS3.shared();
        S3ObjectStore store = new S3ObjectStore(local.clientBuilder().build(), local.createUniqueBucket("replay"));
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 3; i++) {
            dev.spendgate.domain.usage.UsageRecord r = dev.spendgate.domain.usage.UsageRecord.builder()
                    .requestId("req-" + i)
                    .tsStart(Instant.parse("2026-10-30T10:00:00Z").plusSeconds(i * 3_600L))
                    .tsEnd(Instant.parse("2026-10-30T10:00:02Z").plusSeconds(i * 3_600L))
                    .keyId("key_1")
                    .attribution(new dev.spendgate.domain.attribution.Attribution(
                            "faq", "support", null, "prod", null, null, null))
                    .provider("openai")
                    .endpoint("chat.completions")
                    .modelRequested("gpt-4o")
                    .modelServed("gpt-4o")
                    .statusCode(200)
                    // gpt-4o at $2.50 / $10 per million tokens (a cost without tokens is quarantined)
                    .tokens(new dev.spendgate.domain.pricing.TokenUsage(1000, 0, 0, 0, 1000, 0))
                    .costUsd(new java.math.BigDecimal("0.0125"))
                    .pricingStatus(dev.spendgate.domain.usage.UsageRecord.PricingStatus.PRICED)
                    .usageSource(dev.spendgate.domain.usage.UsageRecord.UsageSource.PROVIDER)
                    .build();
            // Firehose's error output: one JSON line per record, the record base64 in rawData
            lines.append("{\"attemptsMade\":12,\"errorCode\":\"S3.InternalError\",\"rawData\":\"")
                    .append(java.util.Base64.getEncoder()
                            .encodeToString(dev.spendgate.domain.usage.UsageRecordCodec.line(r)))
                    .append("\"}\n");
        }
        java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream out = new java.util.zip.GZIPOutputStream(gz)) {
            out.write(lines.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        String errorKey = "usage-errors/S3Failed/year=2026/month=10/day=30/spendgate-usage-1-2026-10-30-12-00-00-x";
        store.put(errorKey, gz.toByteArray());
        WasteDetectorHandler handler = new WasteDetectorHandler(store, () -> Governance.UNKNOWN, null, CLOCK, 5);

        Map<String, Object> result = handler.handleRequest(Map.of("scheduled_time", "2026-11-01T03:00:00Z"), null);

        assertThat(result)
                .containsEntry("usage_errors_replayed_objects", 1)
                .containsEntry("usage_errors_replayed_records", 3L)
                .containsEntry("records", 3L);
        assertThat(store.get(errorKey)).isEmpty();
    }

    private static Map<String, Object> event(String name) throws Exception {
        try (InputStream in = WasteDetectorHandlerIT.class.getResourceAsStream("/events/" + name)) {
            @SuppressWarnings("unchecked")
            Map<String, Object> event = JSON.readValue(in, Map.class);
            return event;
        }
    }

    private static final class RecordingSink implements AlertSink {
        final List<Notice> notices = new ArrayList<>();

        @Override
        public void send(BudgetAlert alert) {
            throw new AssertionError("no budget alerts expected");
        }

        @Override
        public void send(Notice notice) {
            notices.add(notice);
        }
    }

    private static KeyStore collectingKeys(List<ProxyKey> keys) {
        return new KeyStore() {
            @Override
            public void create(ProxyKey key) {
                keys.add(key);
            }

            @Override
            public Optional<ProxyKey> findByHash(String keyHash) {
                return Optional.empty();
            }

            @Override
            public Optional<ProxyKey> findById(String id) {
                return keys.stream().filter(k -> k.id().equals(id)).findFirst();
            }

            @Override
            public List<ProxyKey> list() {
                return List.copyOf(keys);
            }

            @Override
            public boolean revoke(String id) {
                return false;
            }
        };
    }

    private static BudgetPolicyStore collectingPolicies(List<BudgetPolicy> policies) {
        return new BudgetPolicyStore() {
            @Override
            public void put(BudgetPolicy policy) {
                policies.add(policy);
            }

            @Override
            public Optional<BudgetPolicy> find(String id) {
                return policies.stream().filter(p -> p.id().equals(id)).findFirst();
            }

            @Override
            public List<BudgetPolicy> list() {
                return List.copyOf(policies);
            }

            @Override
            public boolean delete(String id) {
                return false;
            }
        };
    }
}
