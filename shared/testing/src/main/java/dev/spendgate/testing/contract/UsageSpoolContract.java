package dev.spendgate.testing.contract;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.domain.usage.UsageSpool.SpooledBatch;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link UsageSpool} must do. Extend it once per adapter: {@link #newSpool()} returns a fresh, empty
 * spool and {@link #reopenSpool()} a second instance over the same storage, as a restarted process would see it.
 */
public abstract class UsageSpoolContract {
    private static final String KEY_A = "usage/v1/year=2026/month=11/day=28/hour=15/a.ndjson.gz";
    private static final String KEY_B = "usage/v1/year=2026/month=11/day=28/hour=15/b.ndjson.gz";
    private static final String KEY_C = "usage/v1/year=2026/month=11/day=28/hour=16/c.ndjson.gz";

    private UsageSpool spool;

    /** A fresh, empty spool; called before every test. */
    protected abstract UsageSpool newSpool();

    /** Another instance over the storage of the spool {@link #newSpool()} last returned. */
    protected abstract UsageSpool reopenSpool();

    @BeforeEach
    void createSpool() {
        spool = newSpool();
    }

    @Test
    void pending_emptySpool_returnsEmptyList() {
        assertThat(spool.pending(10)).isEmpty();
    }

    @Test
    void spill_thenPending_returnsBatchWithIdenticalBytes() {
        byte[] content = gzip("{\"id\":\"r1\",\"cost\":\"0.0031\"}\n");

        spool.spill(new SpooledBatch(KEY_A, content));

        List<SpooledBatch> pending = spool.pending(10);
        assertThat(pending).hasSize(1);
        assertThat(pending.get(0).objectKey()).isEqualTo(KEY_A);
        assertThat(pending.get(0).content()).isEqualTo(content);
    }

    @Test
    void spill_largeIncompressibleBatch_roundTrips() {
        byte[] content = new byte[340 * 1024];
        new Random(7).nextBytes(content);

        spool.spill(new SpooledBatch(KEY_A, content));

        assertThat(spool.pending(1)).singleElement().satisfies(b -> assertThat(b.content())
                .isEqualTo(content));
    }

    @Test
    void spill_sameKeyAgain_replacesBatchWithoutDuplicate() {
        spool.spill(new SpooledBatch(KEY_A, gzip("first\n")));

        spool.spill(new SpooledBatch(KEY_A, gzip("first\nsecond\n")));

        assertThat(spool.pending(10)).singleElement().satisfies(b -> {
            assertThat(b.objectKey()).isEqualTo(KEY_A);
            assertThat(b.content()).isEqualTo(gzip("first\nsecond\n"));
        });
    }

    @Test
    void remove_spilledKey_forgetsOnlyThatBatch() {
        spool.spill(new SpooledBatch(KEY_A, gzip("a")));
        spool.spill(new SpooledBatch(KEY_B, gzip("b")));

        spool.remove(KEY_A);

        assertThat(keys(spool.pending(10))).containsExactly(KEY_B);
    }

    @Test
    void remove_unknownKey_doesNothing() {
        spool.spill(new SpooledBatch(KEY_A, gzip("a")));

        spool.remove(KEY_B);
        spool.remove(KEY_A);
        spool.remove(KEY_A);

        assertThat(spool.pending(10)).isEmpty();
    }

    @Test
    void pending_manyBatches_returnsOldestFirst() {
        spool.spill(new SpooledBatch(KEY_C, gzip("c")));
        spool.spill(new SpooledBatch(KEY_A, gzip("a")));
        spool.spill(new SpooledBatch(KEY_B, gzip("b")));

        assertThat(keys(spool.pending(10))).containsExactly(KEY_C, KEY_A, KEY_B);
    }

    @Test
    void pending_max_returnsAtMostMaxOldestBatches() {
        for (int i = 0; i < 5; i++) {
            spool.spill(new SpooledBatch("usage/v1/year=2026/month=11/day=28/hour=15/" + i + ".ndjson.gz", gzip("x")));
        }

        assertThat(keys(spool.pending(2)))
                .containsExactly(
                        "usage/v1/year=2026/month=11/day=28/hour=15/0.ndjson.gz",
                        "usage/v1/year=2026/month=11/day=28/hour=15/1.ndjson.gz");
        assertThat(spool.pending(5)).hasSize(5);
        assertThat(spool.pending(50)).hasSize(5);
    }

    @Test
    void pending_doesNotRemoveBatches() {
        spool.spill(new SpooledBatch(KEY_A, gzip("a")));

        spool.pending(10);

        assertThat(keys(spool.pending(10))).containsExactly(KEY_A);
    }

    @Test
    void pending_maxNotPositive_throwsIllegalArgumentException() {
        assertThatThrownBy(() -> spool.pending(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> spool.pending(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void spill_thenReopen_batchIsStillPending() {
        byte[] content = gzip("durable\n");
        spool.spill(new SpooledBatch(KEY_A, content));
        spool.spill(new SpooledBatch(KEY_B, gzip("b")));

        UsageSpool reopened = reopenSpool();

        assertThat(keys(reopened.pending(10))).containsExactly(KEY_A, KEY_B);
        assertThat(reopened.pending(1).get(0).content()).isEqualTo(content);
        reopened.remove(KEY_A);
        assertThat(keys(reopened.pending(10))).containsExactly(KEY_B);
    }

    private static List<String> keys(List<SpooledBatch> batches) {
        return batches.stream().map(SpooledBatch::objectKey).toList();
    }

    protected static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }
}
