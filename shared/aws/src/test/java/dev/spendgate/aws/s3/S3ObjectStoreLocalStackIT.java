package dev.spendgate.aws.s3;

import dev.spendgate.aws.SharedLocalStack;
import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.testing.contract.ObjectStoreContract;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.junit.jupiter.Testcontainers;
import software.amazon.awssdk.services.s3.S3Client;

/** The object store contract against LocalStack's S3; skipped where there is no Docker engine. */
@Testcontainers(disabledWithoutDocker = true)
class S3ObjectStoreLocalStackIT extends ObjectStoreContract {
    private static final AtomicInteger BUCKETS = new AtomicInteger();
    private static S3Client s3;

    @BeforeAll
    static void connect() {
        s3 = SharedLocalStack.clients().s3();
    }

    @AfterAll
    static void disconnect() {
        s3.close();
    }

    @Override
    protected ObjectStore newStore() {
        String bucket = "objects-" + BUCKETS.incrementAndGet();
        s3.createBucket(b -> b.bucket(bucket));
        return new S3ObjectStore(s3, bucket);
    }
}
