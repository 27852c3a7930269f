package dev.spendgate.function.proxy.lambda.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** API Gateway keeps only a repeated parameter's last value in queryStringParameters: the gateway reads them all. */
class RestApiEventQueryTest {
    private static RestApiEvent parse(String query) {
        String event = "{\"httpMethod\":\"DELETE\",\"path\":\"/admin/budgets\",\"headers\":{}," + query + "}";
        return RestApiEvent.parse(event.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void parse_repeatedParameter_keepsEveryValueAsSent() {
        RestApiEvent e = parse("\"queryStringParameters\":{\"scope\":\"feature:b\",\"period\":\"monthly\"},"
                + "\"multiValueQueryStringParameters\":{\"scope\":[\"feature:a\",\"feature:b\"],"
                + "\"period\":[\"monthly\"]}");

        assertThat(e.pathWithQuery()).isEqualTo("/admin/budgets?scope=feature%3Aa&scope=feature%3Ab&period=monthly");
    }

    @Test
    void parse_onlySingleValues_areTheQuery() {
        RestApiEvent e = parse("\"queryStringParameters\":{\"scope\":\"feature:a b\"}");

        assertThat(e.pathWithQuery()).isEqualTo("/admin/budgets?scope=feature%3Aa+b");
    }

    @Test
    void parse_noQuery_isThePath() {
        assertThat(parse("\"queryStringParameters\":null,\"multiValueQueryStringParameters\":null")
                        .pathWithQuery())
                .isEqualTo("/admin/budgets");
    }
}
