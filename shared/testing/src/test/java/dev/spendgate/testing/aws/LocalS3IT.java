package dev.spendgate.testing.aws;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.services.s3.S3Client;

class LocalS3IT {
    private static LocalS3 s3;

    @BeforeAll
    static void startServer() {
        s3 = LocalS3.start();
    }

    @AfterAll
    static void stopServer() {
        s3.close();
    }

    @Test
    void client_putThenGet_returnsSameBytes() {
        String bucket = s3.createUniqueBucket("roundtrip");

        s3.client().putObject(b -> b.bucket(bucket).key("a/b=c/d.txt"), RequestBody.fromString("hello"));

        assertThat(s3.client()
                        .getObjectAsBytes(b -> b.bucket(bucket).key("a/b=c/d.txt"))
                        .asUtf8String())
                .isEqualTo("hello");
    }

    @Test
    void clientBuilder_manyPutsAndGetsWithOneAttempt_allSucceed() {
        String bucket = s3.createUniqueBucket("keepalive");
        try (S3Client oneAttempt = s3.clientBuilder()
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {
            for (int i = 0; i < 60; i++) {
                String body = "v" + i;
                oneAttempt.putObject(b -> b.bucket(bucket).key("k"), RequestBody.fromString(body));
                assertThat(oneAttempt
                                .getObjectAsBytes(b -> b.bucket(bucket).key("k"))
                                .asUtf8String())
                        .isEqualTo(body);
            }
        }
    }

    @Test
    void stopThenRestart_samePortAndObjectsSurvive() {
        String bucket = s3.createUniqueBucket("outage");
        s3.client().putObject(b -> b.bucket(bucket).key("before"), RequestBody.fromString("kept"));
        int portBefore = s3.endpoint().getPort();
        try (S3Client impatient = s3.clientBuilder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(Duration.ofMillis(500)))
                .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1)))
                .build()) {

            s3.stop();
            assertThat(s3.isRunning()).isFalse();
            assertThatThrownBy(() ->
                            impatient.getObjectAsBytes(b -> b.bucket(bucket).key("before")))
                    .isInstanceOf(SdkClientException.class);

            s3.restart();

            assertThat(s3.isRunning()).isTrue();
            assertThat(s3.endpoint().getPort()).isEqualTo(portBefore);
            assertThat(impatient
                            .getObjectAsBytes(b -> b.bucket(bucket).key("before"))
                            .asString(StandardCharsets.UTF_8))
                    .isEqualTo("kept");
            impatient.putObject(b -> b.bucket(bucket).key("after"), RequestBody.fromString("new"));
            assertThat(s3.client().listObjectsV2(b -> b.bucket(bucket)).contents())
                    .extracting(o -> o.key())
                    .containsExactly("after", "before");
        }
    }

    @Test
    void shared_calledTwice_returnsSameRunningServer() {
        LocalS3 first = LocalS3.shared();

        first.close();

        assertThat(LocalS3.shared()).isSameAs(first);
        assertThat(first.isRunning()).isTrue();
    }
}
