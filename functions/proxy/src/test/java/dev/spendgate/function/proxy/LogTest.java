package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.spendgate.testing.logging.CapturedLog;
import org.junit.jupiter.api.Test;

class LogTest {
    @Test
    void warn_fromAMethod_writesTheSharedJsonShapeWithAnEventNamedForTheCallSite() throws Exception {
        CapturedLog log = CapturedLog.during(() -> Log.warn("req_abc", "released 2 orphaned budget reservations"));

        JsonNode line = log.single(
                "proxy.log_test.warn_from_a_method_writes_the_shared_json_shape_with_an_event_named_for_the_call_site");
        assertThat(CapturedLog.hasCommonShape(line)).isTrue();
        assertThat(line.get("level").asText()).isEqualTo("WARN");
        assertThat(line.get("service").asText()).isEqualTo("proxy");
        assertThat(line.get("request_id").asText()).isEqualTo("req_abc");
        assertThat(line.get("message").asText()).isEqualTo("released 2 orphaned budget reservations");
    }

    @Test
    void error_fromALambdaInANestedClass_namesTheNestedClassAndEnclosingMethod() throws Exception {
        CapturedLog log = CapturedLog.during(() -> new FlushListener().failed());

        JsonNode line = log.single("proxy.flush_listener.failed");
        assertThat(line.get("level").asText()).isEqualTo("ERROR");
        assertThat(line.get("request_id").isNull()).isTrue();
        assertThat(line.get("error").asText()).isEqualTo("java.lang.IllegalStateException");
        assertThat(line.toString()).doesNotContain("sg-0123456789abcdef");
    }

    @Test
    void info_messageQuotingAProxyKey_isRedacted() throws Exception {
        CapturedLog log =
                CapturedLog.during(() -> Log.info(null, "key sg-0123456789abcdef0123456789abcdef was rotated"));

        assertThat(log.lines())
                .singleElement()
                .satisfies(line -> assertThat(line.get("message").asText()).isEqualTo("key [redacted] was rotated"));
    }

    private static final class FlushListener {
        void failed() {
            Runnable r = () -> Log.error(
                    null, "flush failed", new IllegalStateException("token sg-0123456789abcdef0123456789abcdef"));
            r.run();
        }
    }
}
