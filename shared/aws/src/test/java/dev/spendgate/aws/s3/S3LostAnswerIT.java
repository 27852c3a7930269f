package dev.spendgate.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;

import dev.spendgate.testing.aws.LocalAwsEndpoint;
import dev.spendgate.testing.aws.LocalS3;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * S3 stores a conditional put and its answer is lost (a 500 or a timeout after the write). The SDK resends the put,
 * which now finds the object and gets 412. Before, that 412 read as "another writer holds the key": the monthly
 * report's email claim, written by this very run, stopped the month's email until an operator stepped in, and the
 * waste run's alert marker silently dropped the day's alert. s3proxy behind an endpoint that loses one answer.
 */
class S3LostAnswerIT {
    private LocalAwsEndpoint aws;
    private S3Client client;
    private S3ObjectStore store;

    @BeforeEach
    void start() {
        LocalS3 s3 = LocalS3.shared();
        aws = LocalAwsEndpoint.start(s3.endpoint(), s3.endpoint());
        client = s3.clientBuilder().endpointOverride(URI.create(aws.endpoint())).build();
        store = new S3ObjectStore(client, s3.createUniqueBucket("lost-answer"));
    }

    @AfterEach
    void stop() {
        client.close();
        aws.close();
    }

    @Test
    void putIfAbsent_answerLostAfterS3StoredIt_isThisCallsWrite() {
        aws.failS3(true, 1, "PUT", "claims/2026-11");

        boolean wrote = store.putIfAbsent("claims/2026-11.json", bytes("{\"run_id\":\"run-1\"}"));

        assertThat(wrote).isTrue();
        assertThat(store.get("claims/2026-11.json"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("{\"run_id\":\"run-1\"}")));
    }

    @Test
    void putIfAbsent_answerLost_anotherRunAfterwardsStillFindsItTaken() {
        aws.failS3(true, 1, "PUT", "claims/2026-11");
        assertThat(store.putIfAbsent("claims/2026-11.json", bytes("{\"run_id\":\"run-1\"}")))
                .isTrue();

        assertThat(store.putIfAbsent("claims/2026-11.json", bytes("{\"run_id\":\"run-2\"}")))
                .isFalse();
        assertThat(store.get("claims/2026-11.json"))
                .hasValueSatisfying(v -> assertThat(v).isEqualTo(bytes("{\"run_id\":\"run-1\"}")));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
