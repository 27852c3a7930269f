package dev.spendgate.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.contract.ObjectStoreContract;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class S3ObjectStoreIT extends ObjectStoreContract {
    private final LocalS3 s3 = LocalS3.shared();

    @Override
    protected ObjectStore newStore() {
        return new S3ObjectStore(s3.client(), s3.createUniqueBucket("objects"));
    }

    @Test
    void list_moreKeysThanOnePage_returnsAllInOrder() {
        S3ObjectStore store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("paged"), 2);
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            String key = "usage/v1/hour=" + i + "/x.ndjson.gz";
            keys.add(key);
            store.put(key, utf8("x"));
        }

        assertThat(store.list("usage/v1/")).containsExactlyElementsOf(keys);
    }

    @Test
    void operations_missingBucket_throwObjectStoreException() {
        S3ObjectStore store = new S3ObjectStore(s3.client(), "no-such-bucket-anywhere");

        assertThatThrownBy(() -> store.put("a", utf8("x"))).isInstanceOf(ObjectStoreException.class);
        assertThatThrownBy(() -> store.get("a")).isInstanceOf(ObjectStoreException.class);
        assertThatThrownBy(() -> store.open("a")).isInstanceOf(ObjectStoreException.class);
        assertThatThrownBy(() -> store.list("")).isInstanceOf(ObjectStoreException.class);
    }

    /**
     * A day aggregate or Firehose object of tens of MB read over the S3 wire protocol: {@code open} hands the body
     * over as it arrives (the reading thread allocates a small part of the object), {@code get} holds it whole.
     */
    @Test
    void open_objectOf32Mb_isReadAsItArrivesNotHeldWhole() throws IOException {
        S3ObjectStore store = new S3ObjectStore(s3.client(), s3.createUniqueBucket("stream"));
        byte[] content = new byte[32 * 1024 * 1024];
        new Random(3).nextBytes(content);
        store.put("aggregates/v1/day=2026-10-15/waste.json.gz", content);
        MessageDigest expected = sha256();
        expected.update(content);
        content = null;

        MessageDigest read = sha256();
        long before = allocated();
        try (InputStream in =
                store.open("aggregates/v1/day=2026-10-15/waste.json.gz").orElseThrow()) {
            byte[] buffer = new byte[65536];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                read.update(buffer, 0, n);
            }
        }
        long streamed = allocated() - before;
        before = allocated();
        byte[] whole = store.get("aggregates/v1/day=2026-10-15/waste.json.gz").orElseThrow();
        long held = allocated() - before;

        assertThat(read.digest()).isEqualTo(expected.digest());
        assertThat(whole).hasSize(32 * 1024 * 1024);
        assertThat(streamed).isLessThan(4L * 1024 * 1024);
        assertThat(held).isGreaterThanOrEqualTo(32L * 1024 * 1024);
    }

    private static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean())
                .getThreadAllocatedBytes(Thread.currentThread().threadId());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void put_emptyKey_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> store().put("", utf8("x"))).isInstanceOf(IllegalArgumentException.class);
    }
}
