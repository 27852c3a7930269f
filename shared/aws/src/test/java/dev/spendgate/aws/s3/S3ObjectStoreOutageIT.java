package dev.spendgate.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.testing.aws.LocalS3;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;

/** S3 goes away mid-run (its own server, not the shared one) and comes back with its objects. */
class S3ObjectStoreOutageIT {
    private LocalS3 s3;
    private S3Client client;
    private S3ObjectStore store;

    @BeforeEach
    void start() {
        s3 = LocalS3.start();
        client = s3.clientBuilder()
                .httpClientBuilder(UrlConnectionHttpClient.builder()
                        .connectionTimeout(Duration.ofMillis(300))
                        .socketTimeout(Duration.ofSeconds(2)))
                .overrideConfiguration(
                        o -> o.retryStrategy(r -> r.maxAttempts(2)).apiCallTimeout(Duration.ofSeconds(3)))
                .build();
        store = new S3ObjectStore(client, s3.createUniqueBucket("outage"));
    }

    @AfterEach
    void stop() {
        client.close();
        s3.close();
    }

    @Test
    void operations_whileS3IsDown_failFastWithObjectStoreException() {
        store.put("usage/v1/before.ndjson.gz", bytes("before"));

        s3.stop();

        long started = System.nanoTime();
        assertThatThrownBy(() -> store.put("usage/v1/during.ndjson.gz", bytes("during")))
                .isInstanceOf(ObjectStoreException.class)
                .hasMessageContaining("usage/v1/during.ndjson.gz");
        assertThatThrownBy(() -> store.get("usage/v1/before.ndjson.gz")).isInstanceOf(ObjectStoreException.class);
        assertThatThrownBy(() -> store.list("usage/")).isInstanceOf(ObjectStoreException.class);
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(5));
    }

    @Test
    void restart_afterOutage_oldObjectsAreBackAndPutsWorkAgain() {
        store.put("usage/v1/before.ndjson.gz", bytes("before"));
        s3.stop();
        assertThatThrownBy(() -> store.put("usage/v1/during.ndjson.gz", bytes("during")))
                .isInstanceOf(ObjectStoreException.class);

        s3.restart();

        assertThat(store.get("usage/v1/before.ndjson.gz"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("before")));
        store.put("usage/v1/during.ndjson.gz", bytes("during"));
        assertThat(store.list("usage/v1/")).containsExactly("usage/v1/before.ndjson.gz", "usage/v1/during.ndjson.gz");
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
