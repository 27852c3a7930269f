package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** POST /v1/outcomes over HTTP against the local gateway. */
class OutcomesIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    GatewayFixture gw;

    @BeforeEach
    void start() {
        gw = GatewayFixture.embedded(dir);
    }

    @AfterEach
    void stop() {
        gw.close();
    }

    List<Outcome> stored() {
        return OutcomeLog.create(gw.store).read(YearMonth.now(ZoneOffset.UTC));
    }

    @Test
    void post_sessionOutcome_isStoredDurablyWithTheKey() throws Exception {
        HttpResponse<String> r =
                gw.send(gw.post("/v1/outcomes", "{\"session\":\"s-42\",\"outcome\":\"ticket_resolved\",\"count\":3}"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode body = JSON.readTree(r.body());
        assertThat(body.get("outcome").asText()).isEqualTo("ticket_resolved");
        assertThat(body.get("count").asLong()).isEqualTo(3);
        assertThat(stored()).singleElement().satisfies(o -> {
            assertThat(o.session()).isEqualTo("s-42");
            assertThat(o.requestId()).isNull();
            assertThat(o.name()).isEqualTo("ticket_resolved");
            assertThat(o.count()).isEqualTo(3);
            assertThat(o.keyId()).isEqualTo(gw.key.id());
        });
    }

    @Test
    void post_retriedWithTheSameIdempotencyKey_is200AndCountedOnce() {
        String body = "{\"session\":\"s-7\",\"outcome\":\"ticket_resolved\"}";

        HttpResponse<String> first = gw.send(gw.post("/v1/outcomes", body).header("Idempotency-Key", "tkt-7-resolved"));
        HttpResponse<String> retry = gw.send(gw.post("/v1/outcomes", body).header("Idempotency-Key", "tkt-7-resolved"));
        HttpResponse<String> other = gw.send(gw.post("/v1/outcomes", body).header("Idempotency-Key", "tkt-7-again"));
        HttpResponse<String> bad = gw.send(gw.post("/v1/outcomes", body).header("Idempotency-Key", "has space"));

        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(retry.statusCode()).as(retry.body()).isEqualTo(200);
        assertThat(other.statusCode()).as(other.body()).isEqualTo(201);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"param\":\"Idempotency-Key\"");
        assertThat(stored()).hasSize(2);
    }

    @Test
    void post_sameIdempotencyKeyWithAnotherOutcome_isRefusedNotAnsweredAsStored() {
        String first = "{\"session\":\"s-8\",\"outcome\":\"ticket_resolved\",\"count\":1}";
        String reused = "{\"session\":\"s-9\",\"outcome\":\"ticket_resolved\",\"count\":5}";

        HttpResponse<String> stored = gw.send(gw.post("/v1/outcomes", first).header("Idempotency-Key", "batch-42"));
        // a client bug reuses the key for other work: 5 more outcomes of another session
        HttpResponse<String> other = gw.send(gw.post("/v1/outcomes", reused).header("Idempotency-Key", "batch-42"));

        assertThat(stored.statusCode()).isEqualTo(201);
        // today: 200 with {"session":"s-9","count":5,...} echoed back, as if stored; nothing of it is
        // (draft-ietf-httpapi-idempotency-key-header: a reused key with another payload gets 422)
        assertThat(other.statusCode()).as(other.body()).isEqualTo(422);
        assertThat(other.body()).contains("Idempotency-Key");
    }

    @Test
    void post_requestOutcomeWithoutCount_countsOne() {
        HttpResponse<String> r =
                gw.send(gw.post("/v1/outcomes", "{\"request_id\":\"req_abc\",\"outcome\":\"document_summarised\"}"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(stored()).singleElement().satisfies(o -> {
            assertThat(o.requestId()).isEqualTo("req_abc");
            assertThat(o.count()).isEqualTo(1);
        });
    }

    @Test
    void post_badInput_is400NamingTheField() throws Exception {
        String[][] cases = {
            {"{\"outcome\":\"x\"}", "session"},
            {"{\"session\":\"s\",\"request_id\":\"r\",\"outcome\":\"x\"}", "request_id"},
            {"{\"session\":\"s\"}", "outcome"},
            {"{\"session\":\"s\",\"outcome\":\"has spaces\"}", "outcome"},
            {"{\"session\":\"s\",\"outcome\":\"x\",\"count\":0}", "count"},
            {"{\"session\":\"s\",\"outcome\":\"x\",\"count\":1.5}", "count"},
            {"{\"session\":7,\"outcome\":\"x\"}", "session"},
            {"[1,2]", "body"},
            {"not json", "body"},
            {"{\"session\":\"s\",\"outcome\":\"x\"}{\"session\":\"t\",\"outcome\":\"y\"}", "body"}
        };
        for (String[] c : cases) {
            HttpResponse<String> r = gw.send(gw.post("/v1/outcomes", c[0]));
            assertThat(r.statusCode()).as(c[0]).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).at("/error/param").asText())
                    .as(c[0])
                    .isEqualTo(c[1]);
        }
        assertThat(stored()).isEmpty();
    }

    /**
     * A count beyond a long (2^64 + 5) is out of the 1..1,000,000 range: 400 naming count, not stored as 5 (the
     * number's low 64 bits).
     */
    @Test
    void post_countBeyondALong_is400NotItsLow64Bits() throws Exception {
        HttpResponse<String> r = gw.send(gw.post(
                "/v1/outcomes",
                "{\"session\":\"s-42\",\"outcome\":\"ticket_resolved\",\"count\":18446744073709551621}"));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(JSON.readTree(r.body()).at("/error/param").asText()).isEqualTo("count");
        assertThat(stored()).isEmpty();
    }

    @Test
    void post_withoutOrWithWrongKey_is401AndStoresNothing() {
        HttpResponse<String> none = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/outcomes"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"session\":\"s\",\"outcome\":\"x\"}")));
        HttpResponse<String> wrong = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/outcomes"))
                .header("Authorization", "Bearer sg-not-a-key")
                .POST(HttpRequest.BodyPublishers.ofString("{\"session\":\"s\",\"outcome\":\"x\"}")));

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(stored()).isEmpty();
    }

    @Test
    void get_is405() {
        HttpResponse<String> r = gw.send(HttpRequest.newBuilder(URI.create(gw.server.baseUrl() + "/v1/outcomes"))
                .header("Authorization", "Bearer " + gw.secret)
                .GET());
        assertThat(r.statusCode()).isEqualTo(405);
    }
}
