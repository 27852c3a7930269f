package dev.spendgate.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.testing.aws.LocalS3;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 answers a conditional put 409 ConditionalRequestConflict while another write of the key is in flight. That
 * write may fail, so a 409 is not "the object exists": an idempotent outcome whose concurrent retry failed was
 * answered "already recorded" and lost. An endpoint speaking S3's error bodies, scripted per put.
 */
class S3ConditionalConflictIT {
    private HttpServer server;
    private S3Client client;
    private final ConcurrentLinkedQueue<Integer> answers = new ConcurrentLinkedQueue<>();
    private final List<String> puts = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            exchange.getRequestBody().readAllBytes();
            puts.add(exchange.getRequestMethod() + " "
                    + exchange.getRequestHeaders().getFirst("If-None-Match"));
            Integer status = answers.poll();
            int code = status == null ? 200 : status;
            byte[] body =
                    switch (code) {
                        case 409 -> error("ConditionalRequestConflict", "A conflicting operation occurred.");
                        case 412 ->
                            error(
                                    "PreconditionFailed",
                                    "At least one of the preconditions you specified did not hold.");
                        default -> new byte[0];
                    };
            if (code == 200) {
                exchange.getResponseHeaders().set("ETag", "\"0123456789abcdef0123456789abcdef\"");
            } else {
                exchange.getResponseHeaders().set("Content-Type", "application/xml");
            }
            exchange.sendResponseHeaders(code, body.length == 0 ? -1 : body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        client = LocalS3.shared()
                .clientBuilder()
                .endpointOverride(
                        URI.create("http://127.0.0.1:" + server.getAddress().getPort()))
                .build();
    }

    @AfterEach
    void stop() {
        client.close();
        server.stop(0);
    }

    private static byte[] error(String code, String message) {
        return ("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>" + code + "</Code><Message>" + message
                        + "</Message><RequestId>R1</RequestId></Error>")
                .getBytes(StandardCharsets.UTF_8);
    }

    private S3ObjectStore store() {
        return new S3ObjectStore(client, "bucket");
    }

    @Test
    void putIfAbsent_conflictThenTheOtherWriteFailed_writesTheObject() {
        answers.addAll(List.of(409, 409));

        assertThat(store().putIfAbsent("outcomes/v1/2026-11-03/idem-1.json", new byte[] {1}))
                .isTrue();
        assertThat(puts).hasSize(3).allMatch(p -> p.equals("PUT *"));
    }

    @Test
    void putIfAbsent_conflictThenTheOtherWriteLanded_saysItExists() {
        answers.addAll(List.of(409, 412));

        assertThat(store().putIfAbsent("outcomes/v1/2026-11-03/idem-1.json", new byte[] {1}))
                .isFalse();
        // the 412 reads the object back (another writer's bytes) to tell it from this call's own resent write
        assertThat(puts).filteredOn(p -> p.startsWith("PUT")).hasSize(2);
    }

    @Test
    void putIfAbsent_conflictOnEveryTry_failsRatherThanSayingItExists() {
        for (int i = 0; i < S3ObjectStore.CONFLICT_RETRIES; i++) {
            answers.add(409);
        }

        assertThatThrownBy(() -> store().putIfAbsent("reports/2026-11/email-claim-complete.json", new byte[] {1}))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("if absent");
        assertThat(puts).hasSize(S3ObjectStore.CONFLICT_RETRIES);
    }
}
