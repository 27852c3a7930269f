package dev.spendgate.aws.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import dev.spendgate.testing.aws.LocalS3;
import dev.spendgate.testing.contract.ObjectStoreContract;
import java.util.ArrayList;
import java.util.List;
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
        assertThatThrownBy(() -> store.list("")).isInstanceOf(ObjectStoreException.class);
    }

    @Test
    void put_emptyKey_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> store().put("", utf8("x"))).isInstanceOf(IllegalArgumentException.class);
    }
}
