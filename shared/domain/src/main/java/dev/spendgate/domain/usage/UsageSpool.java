package dev.spendgate.domain.usage;

import java.util.List;

/**
 * Durable holding area for usage batches that could not be written to the {@code ObjectStore} (for example while
 * S3 is unreachable). Each batch keeps the object key it will be delivered under, so delivering it twice writes
 * the same object twice and no record is duplicated.
 */
public interface UsageSpool {

    /** Stores the batch durably; spilling the same key again replaces it. */
    void spill(SpooledBatch batch);

    /**
     * As {@link #spill(SpooledBatch)} within {@code timeLeft} (what is left of a Lambda invocation): a spool that can
     * bound its calls (a DynamoDB table's, throttled or unreachable) gives up when it is over and throws, the batch not
     * stored, rather than hold its caller past the deadline. The default ignores it.
     */
    default void spill(SpooledBatch batch, java.time.Duration timeLeft) {
        spill(batch);
    }

    /** Up to {@code max} spooled batches, oldest first. */
    List<SpooledBatch> pending(int max);

    /** Forgets a delivered batch; removing an unknown key does nothing. */
    void remove(String objectKey);

    /** A batch waiting for delivery: the object key it belongs under and its gzip NDJSON bytes. */
    record SpooledBatch(String objectKey, byte[] content) {
        public SpooledBatch {
            if (objectKey == null || objectKey.isBlank()) {
                throw new IllegalArgumentException("objectKey must not be blank");
            }
            if (content == null) {
                throw new IllegalArgumentException("content must not be null");
            }
        }
    }
}
