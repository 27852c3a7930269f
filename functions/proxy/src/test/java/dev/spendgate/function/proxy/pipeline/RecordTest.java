package dev.spendgate.function.proxy.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.budget.BudgetEnforcer;
import dev.spendgate.domain.budget.BudgetPeriod;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.domain.budget.BudgetScope;
import dev.spendgate.domain.pricing.PricingCatalog;
import dev.spendgate.domain.usage.UsageLogWriter;
import dev.spendgate.domain.usage.UsageRecord;
import dev.spendgate.embedded.FileSystemObjectStore;
import dev.spendgate.embedded.FileSystemUsageSpool;
import dev.spendgate.function.proxy.budget.BudgetGate;
import dev.spendgate.function.proxy.budget.BudgetStores;
import dev.spendgate.function.proxy.budget.CostEstimator;
import dev.spendgate.function.proxy.budget.DegradationChains;
import dev.spendgate.function.proxy.budget.LogAlertSink;
import dev.spendgate.function.proxy.local.LocalGatewayRuntime;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordTest {
    private static final String CHAT =
            "{\"model\":\"gpt-4o-mini\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    Path dir;

    BudgetStores stores;
    BudgetGate gate;
    UsageLogWriter usageLog;
    Record record;

    @BeforeEach
    void setUp() {
        Clock clock = Clock.systemUTC();
        stores = LocalGatewayRuntime.budgets(dir.resolve("budgets"), new LogAlertSink());
        gate = new BudgetGate(
                new BudgetEnforcer(
                        stores.policies(),
                        stores.ledger(),
                        stores.marker(),
                        stores.alerts(),
                        stores.journal(),
                        Duration.ofMinutes(15),
                        clock),
                new CostEstimator(PricingCatalog.bundled(), 4096),
                DegradationChains.parse(null),
                stores.counter(),
                0,
                0,
                clock);
        usageLog = UsageLogWriter.create(
                new FileSystemObjectStore(dir), new FileSystemUsageSpool(dir.resolve("spool")), clock, 100);
        record = new Record(gate, usageLog, PricingCatalog.bundled());
    }

    @AfterEach
    void tearDown() {
        gate.close();
    }

    @Test
    void apply_unauthenticatedCall_leavesNoRecord() {
        record.apply(Calls.post("/v1/chat/completions", CHAT));

        assertThat(usageLog.flush()).isZero();
    }

    @Test
    void apply_admittedCall_settlesTheActualCostAndAppendsOneRecord() {
        stores.policies()
                .put(new BudgetPolicy(
                        BudgetScope.parse("feature:chatbot"),
                        BudgetPeriod.MONTHLY,
                        new BigDecimal("1.00"),
                        BudgetPolicy.Mode.BLOCK,
                        null,
                        null,
                        null));
        CallContext admitted = new Admit(gate, Clock.systemUTC())
                .apply(Calls.validChat(dir, CHAT))
                .context();
        CallContext priced = admitted.with(b -> {
            b.statusCode = 200;
            b.cost = new BigDecimal("0.25");
            b.pricingStatus = UsageRecord.PricingStatus.PRICED;
        });

        Optional<BigDecimal> remaining = record.apply(priced);

        assertThat(remaining).hasValueSatisfying(r -> assertThat(r).isEqualByComparingTo("0.75"));
        assertThat(usageLog.flush()).isEqualTo(1);
    }

    @Test
    void record_refusedAfterValidation_keepsModelEndpointAndFingerprints() {
        CallContext ctx = Calls.validChat(dir, CHAT).with(b -> {
            b.statusCode = 429;
            b.errorType = "budget_exceeded";
        });

        UsageRecord r = record.record(ctx, ctx.startNanos() + 5_000_000);

        assertThat(r.requestId()).isEqualTo("req-1");
        assertThat(r.endpoint()).isEqualTo("chat.completions");
        assertThat(r.modelRequested()).isEqualTo("gpt-4o-mini");
        assertThat(r.provider()).isEqualTo("openai");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.errorType()).isEqualTo("budget_exceeded");
        assertThat(r.latencyMs()).isEqualTo(5);
        assertThat(r.maxOutputTokens()).isEqualTo(100L);
        assertThat(r.fingerprints()).isNotNull();
        assertThat(r.pricingStatus()).isEqualTo(UsageRecord.PricingStatus.NOT_BILLABLE);
    }

    @Test
    void canonical_bodyWithStreamUserAndMetadata_isTheBodyWithoutThemAsBefore() throws Exception {
        String body = "{\"model\":\"gpt-4o\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"temperature\":0.20,\"seed\":12345678901234567890,\"user\":\"u-1\",\"metadata\":{\"a\":1},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Grüße \\\"zitiert\\\" \\u2028 日本\"},null]}";
        com.fasterxml.jackson.databind.node.ObjectNode parsed =
                (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(body);
        com.fasterxml.jackson.databind.node.ObjectNode copy = parsed.deepCopy();
        copy.remove(java.util.List.of("stream", "stream_options", "user", "metadata"));

        byte[] canonical = Record.canonical(parsed);

        assertThat(canonical).isEqualTo(Json.bytes(copy));
        assertThat(new String(canonical, java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("{\"model\":\"gpt-4o\",\"temperature\":0.2,\"seed\":12345678901234567890,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Grüße \\\"zitiert\\\" \u2028 日本\"},null]}");
        assertThat(parsed.has("stream")).isTrue();
    }

    @Test
    void canonical_randomBodies_isTheBodyWithoutTheUnfingerprintedFieldsAsBefore() throws Exception {
        java.util.SplittableRandom random = new java.util.SplittableRandom(5);
        for (int i = 0; i < 3_000; i++) {
            StringBuilder body = new StringBuilder("{");
            String[] top = {"model", "stream", "messages", "user", "temperature", "metadata", "stream_options", "n"};
            int fields = random.nextInt(1, 9);
            java.util.Set<String> named = new java.util.HashSet<>();
            for (int f = 0; f < fields; f++) {
                String name = top[random.nextInt(top.length)];
                if (!named.add(name)) {
                    continue; // a name given twice is refused at parse (400), so never canonicalised
                }
                body.append(named.size() == 1 ? "" : ",")
                        .append(random.nextInt(4) == 0 ? " \n " : "")
                        .append('"')
                        .append(name)
                        .append("\":");
                randomValue(random, body, 3);
            }
            body.append('}');
            com.fasterxml.jackson.databind.node.ObjectNode parsed =
                    (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(body.toString());
            com.fasterxml.jackson.databind.node.ObjectNode copy = parsed.deepCopy();
            copy.remove(java.util.List.of("stream", "stream_options", "user", "metadata"));
            // values put in by the gateway's own stages (an output cap, a degraded model) are written the same way
            if (i % 7 == 0) {
                parsed.put("max_tokens", random.nextInt(100_000));
                parsed.put("seed", random.nextLong());
                parsed.put("top_p", 0.5);
                copy = parsed.deepCopy();
                copy.remove(java.util.List.of("stream", "stream_options", "user", "metadata"));
            }

            assertThat(new String(Record.canonical(parsed), java.nio.charset.StandardCharsets.UTF_8))
                    .as("body %s", body)
                    .isEqualTo(new String(Json.bytes(copy), java.nio.charset.StandardCharsets.UTF_8));
            // the record's fingerprints digest the canonical body as it is written: the same as from its bytes
            String text = body.toString();
            int cut = random.nextInt(text.length() + 1);
            dev.spendgate.function.proxy.usage.PromptText prompt = new dev.spendgate.function.proxy.usage.PromptText(
                    i % 5 == 0 ? "" : text.substring(0, cut / 2),
                    i % 3 == 0 ? text.substring(cut) : text.substring(0, cut),
                    text,
                    1,
                    null);
            assertThat(Record.fingerprints(parsed, prompt))
                    .as("body %s", body)
                    .isEqualTo(dev.spendgate.domain.fingerprint.PromptFingerprints.compute(
                            prompt.system(),
                            prompt.prefix(),
                            Record.canonical(parsed),
                            prompt.full(),
                            prompt.varying()));
        }
    }

    private static final String[] STRINGS = {
        "",
        "hi",
        "Grüße",
        "日本語",
        "\\u00e9",
        "\\ud83d\\ude00",
        "\\\"q\\\"",
        "a\\\\b",
        "\\/",
        "\\n\\t\\r\\b\\f",
        "\\u0001",
        "\\u001f",
        "\u2028",
        "\uD83D\uDE00",
        "<script>",
        "x".repeat(3_000)
    };
    private static final String[] NUMBERS = {
        "0",
        "-0",
        "7",
        "-12",
        "12345678901234567890",
        "0.2",
        "0.20",
        "1.0",
        "100.0",
        "-0.0",
        "1e5",
        "1E+2",
        "2.5e-3",
        "0.0000001",
        "3.14159265358979323846",
        "-1.5E10",
        "9007199254740993",
        // integers either side of a long's range: written as a long inside it, as a BigInteger past it
        "9223372036854775807",
        "-9223372036854775808",
        "9223372036854775808",
        "-9223372036854775809",
        "-1"
    };

    private static void randomValue(java.util.SplittableRandom random, StringBuilder out, int depth) {
        int kind = random.nextInt(depth <= 0 ? 4 : 6);
        switch (kind) {
            case 0 ->
                out.append('"').append(STRINGS[random.nextInt(STRINGS.length)]).append('"');
            case 1 -> out.append(NUMBERS[random.nextInt(NUMBERS.length)]);
            case 2 -> out.append(random.nextBoolean() ? "true" : "false");
            case 3 -> out.append("null");
            case 4 -> {
                out.append("[ ");
                int n = random.nextInt(4);
                for (int k = 0; k < n; k++) {
                    out.append(k == 0 ? "" : " , ");
                    randomValue(random, out, depth - 1);
                }
                out.append(']');
            }
            default -> {
                out.append('{');
                int n = random.nextInt(4);
                for (int k = 0; k < n; k++) {
                    // distinct keys: a name given twice in one object is refused at parse
                    out.append(k == 0 ? "" : ",").append("\"k").append(k).append("\": ");
                    randomValue(random, out, depth - 1);
                }
                out.append('}');
            }
        }
    }
}
