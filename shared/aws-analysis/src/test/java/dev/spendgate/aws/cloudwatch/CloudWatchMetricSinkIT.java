package dev.spendgate.aws.cloudwatch;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.aws.AwsClients;
import dev.spendgate.domain.metric.MetricSink;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/** The CloudWatch adapter against a local HTTP endpoint answering PutMetricData: what goes over the wire. */
class CloudWatchMetricSinkIT {
    HttpServer server;
    final List<String> paths = new CopyOnWriteArrayList<>();
    final List<byte[]> bodies = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            paths.add(exchange.getRequestURI().getPath());
            bodies.add(exchange.getRequestBody().readAllBytes());
            byte[] empty = {(byte) 0xa0}; // an empty CBOR map
            exchange.getResponseHeaders().set("Content-Type", "application/cbor");
            exchange.getResponseHeaders().set("smithy-protocol", "rpc-v2-cbor");
            exchange.sendResponseHeaders(200, empty.length);
            exchange.getResponseBody().write(empty);
            exchange.close();
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    CloudWatchMetricSink sink() {
        AwsClients aws = AwsClients.create(
                Region.US_EAST_1,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort()),
                null);
        return new CloudWatchMetricSink(CloudWatchMetricSink.client(
                aws, StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"))));
    }

    static MetricSink.Datapoint point(String provider, String value) {
        return new MetricSink.Datapoint(
                "ReconciliationUnexplainedPercent",
                Map.of("Provider", provider),
                new BigDecimal(value),
                MetricSink.Unit.PERCENT,
                Instant.parse("2026-12-01T05:00:00Z"));
    }

    @Test
    void publish_twoProviders_onePutMetricDataInTheNamespaceWithNameDimensionAndUnit() {
        sink().publish("Spendgate", List.of(point("openai", "2.5"), point("aws", "0")));

        assertThat(paths).containsExactly("/service/GraniteServiceVersion20100801/operation/PutMetricData");
        String body = new String(bodies.get(0), StandardCharsets.ISO_8859_1);
        assertThat(body)
                .contains("Spendgate")
                .contains("ReconciliationUnexplainedPercent")
                .contains("Provider")
                .contains("openai")
                .contains("aws")
                .contains("Percent");
    }

    @Test
    void publish_moreThanTheApiTakesAtOnce_splitIntoRequestsOfAtMost1000() {
        List<MetricSink.Datapoint> many = new ArrayList<>();
        for (int i = 0; i < CloudWatchMetricSink.MAX_PER_REQUEST + 1; i++) {
            many.add(point("p" + i, "1"));
        }

        sink().publish("Spendgate", many);

        assertThat(paths).hasSize(2);
        assertThat(new String(bodies.get(1), StandardCharsets.ISO_8859_1))
                .contains("p1000")
                .doesNotContain("p999");
    }
}
