package dev.spendgate.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonLoggerTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Instant NOW = Instant.parse("2026-12-01T10:15:30.123456Z");

    private final List<String> lines = new ArrayList<>();
    private final JsonLogger log = JsonLogger.create("waste-detector", lines::add, Clock.fixed(NOW, ZoneOffset.UTC));

    private JsonNode only() throws Exception {
        assertThat(lines).hasSize(1);
        assertThat(lines.get(0)).doesNotContain("\n");
        return JSON.readTree(lines.get(0));
    }

    @Test
    void log_anyLine_carriesTheFixedFieldsInOrderWithNullsForAbsentOnes() throws Exception {
        log.info("usage.flushed").log();

        JsonNode line = only();
        List<String> names = new ArrayList<>();
        line.fieldNames().forEachRemaining(names::add);
        assertThat(names).containsExactly("ts", "level", "service", "event", "request_id", "duration_ms");
        assertThat(line.get("ts").asText()).isEqualTo("2026-12-01T10:15:30.123Z");
        assertThat(line.get("level").asText()).isEqualTo("INFO");
        assertThat(line.get("service").asText()).isEqualTo("waste-detector");
        assertThat(line.get("event").asText()).isEqualTo("usage.flushed");
        assertThat(line.get("request_id").isNull()).isTrue();
        assertThat(line.get("duration_ms").isNull()).isTrue();
    }

    @Test
    void log_requestIdDurationAndNamedFields_keepTheirJsonTypes() throws Exception {
        log.warn("waste.findings_written")
                .requestId("req-1")
                .durationMs(42)
                .field("findings", 7)
                .field("records", 1_000_000_000L)
                .field("savings_usd", new BigDecimal("12.340000"))
                .field("alerted", true)
                .field("findings_key", "waste/2026-12-01.json")
                .field("tier", JsonLogger.Level.WARN)
                .field("missing", null)
                .log("findings written");

        JsonNode line = only();
        assertThat(line.get("level").asText()).isEqualTo("WARN");
        assertThat(line.get("request_id").asText()).isEqualTo("req-1");
        assertThat(line.get("duration_ms").isIntegralNumber()).isTrue();
        assertThat(line.get("duration_ms").asLong()).isEqualTo(42);
        assertThat(line.get("message").asText()).isEqualTo("findings written");
        assertThat(line.get("findings").asInt()).isEqualTo(7);
        assertThat(line.get("records").asLong()).isEqualTo(1_000_000_000L);
        assertThat(line.get("savings_usd").isNumber()).isTrue();
        assertThat(line.get("savings_usd").decimalValue()).isEqualByComparingTo("12.34");
        assertThat(lines.get(0)).contains("\"savings_usd\":12.340000");
        assertThat(line.get("alerted").asBoolean()).isTrue();
        assertThat(line.get("findings_key").asText()).isEqualTo("waste/2026-12-01.json");
        assertThat(line.get("tier").asText()).isEqualTo("warn");
        assertThat(line.get("missing").isNull()).isTrue();
    }

    @Test
    void durationSince_startOnTheClock_isTheElapsedMilliseconds() throws Exception {
        log.info("report.written").durationSince(NOW.minusMillis(1500)).log();

        assertThat(only().get("duration_ms").asLong()).isEqualTo(1500);
    }

    @Test
    void error_withException_logsClassAndLocationButNeverTheExceptionMessage() throws Exception {
        IllegalStateException boom = new IllegalStateException("prompt text: tell me a secret");

        log.error("usage.journal_failed").error(boom).log("usage journal failed");

        JsonNode line = only();
        assertThat(line.get("level").asText()).isEqualTo("ERROR");
        assertThat(line.get("error").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.get("error_at").asText()).startsWith(JsonLoggerTest.class.getName() + ".");
        assertThat(lines.get(0)).doesNotContain("prompt text");
    }

    @Test
    void log_credentialShapedValues_areRedactedInMessagesAndFields() throws Exception {
        log.warn("alert.webhook_failed")
                .field("url", "https://hooks.example/x?token=1 Authorization: Bearer abc.def-123")
                .field("key", "sg-0123456789abcdef0123")
                .field("webhook_secret", "hunter2")
                .field("aws", "AKIAABCDEFGHIJKLMNOP")
                .log("upstream rejected sk-ant-api03-abcdefghijk and sk-proj-ABCDEFGH12345");

        JsonNode line = only();
        assertThat(lines.get(0))
                .doesNotContain("abc.def-123")
                .doesNotContain("sg-0123456789abcdef")
                .doesNotContain("hunter2")
                .doesNotContain("AKIAABCDEFGHIJKLMNOP")
                .doesNotContain("sk-ant-api03")
                .doesNotContain("sk-proj-ABCDEFGH");
        assertThat(line.get("key").asText()).isEqualTo(JsonLogger.REDACTED);
        assertThat(line.get("webhook_secret").asText()).isEqualTo(JsonLogger.REDACTED);
        assertThat(line.get("message").asText()).isEqualTo("upstream rejected [redacted] and [redacted]");
    }

    @Test
    void field_reusingAFixedName_isRefusedNamingTheField() {
        assertThatThrownBy(() -> log.info("x.y").field("request_id", "r"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'request_id'");
    }

    @Test
    void field_doubleValue_isRefusedBecauseMoneyIsNeverADouble() {
        assertThatThrownBy(() -> log.info("x.y").field("cost_usd", 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'cost_usd'")
                .hasMessageContaining("BigDecimal");
    }

    @Test
    void info_eventNotDottedLowerCase_isRefused() {
        assertThatThrownBy(() -> log.info("Usage Flushed"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Usage Flushed");
    }

    @Test
    void create_defaultSink_writesOneLinePerEntryToTheCurrentStandardError() throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
        try {
            JsonLogger stderr = JsonLogger.create("proxy");
            stderr.info("a.b").log();
            stderr.warn("c.d").requestId("r-2").log();
        } finally {
            System.setErr(old);
        }

        Iterator<String> out = captured.toString(StandardCharsets.UTF_8).lines().iterator();
        assertThat(JSON.readTree(out.next()).get("event").asText()).isEqualTo("a.b");
        JsonNode second = JSON.readTree(out.next());
        assertThat(second.get("service").asText()).isEqualTo("proxy");
        assertThat(second.get("request_id").asText()).isEqualTo("r-2");
        assertThat(out.hasNext()).isFalse();
    }
}
