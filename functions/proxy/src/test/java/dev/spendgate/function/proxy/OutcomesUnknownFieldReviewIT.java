package dev.spendgate.function.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.domain.outcome.Outcome;
import dev.spendgate.domain.outcome.OutcomeLog;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.YearMonth;
import java.time.ZoneOffset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * POST /v1/outcomes over HTTP against the local gateway. The project's rule for bad input is "a clear 4xx with a JSON
 * body naming the field", and the admin API already refuses an unknown field with 400 naming it ("Unknown field 'x': a
 * budget takes ..."). An outcome body with a misspelled count ({@code "quantity": 40}, {@code "Count": 40}) is
 * answered 201 and stored as ONE ticket: cost per outcome for those 40 resolved tickets is then 40 times too high, and
 * the client is told all went well.
 */
class OutcomesUnknownFieldReviewIT {
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

    @Test
    void post_misspelledCountField_is400NamingItAndStoresNothing() {
        HttpResponse<String> r =
                gw.send(gw.post("/v1/outcomes", "{\"session\":\"s-42\",\"outcome\":\"ticket_resolved\",\"Count\":40}"));

        long stored = OutcomeLog.create(gw.store).read(YearMonth.now(ZoneOffset.UTC)).stream()
                .mapToLong(Outcome::count)
                .sum();
        assertThat(r.statusCode())
                .as("status; body %s; tickets stored %s", r.body(), stored)
                .isEqualTo(400);
        assertThat(r.body()).contains("\"param\":\"Count\"");
        assertThat(stored).isZero();
    }
}
