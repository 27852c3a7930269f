package dev.spendgate.domain.usage;

import dev.spendgate.domain.store.ObjectStore;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Where the {@link UsageLogWriter} hands its batches: the object store, one object per batch (locally, and in AWS
 * without a delivery stream), or a stream that batches records into objects itself (Amazon Data Firehose). A batch
 * is the gzip NDJSON of one UTC hour's records and the object key the store would give it.
 *
 * <p>A sink may take part of a batch: it then returns the lines it refused, which the writer spools and delivers
 * again later. Delivering a record twice is harmless (readers drop repeated request ids within an hour partition).
 */
public interface UsageSink {

    /**
     * Hands over one batch. Returns {@link Refused#NONE} when every record was taken, or the lines refused.
     *
     * @throws RuntimeException when the sink took nothing (e.g. {@link dev.spendgate.domain.store.ObjectStoreException})
     */
    Refused deliver(String objectKey, byte[] gzipNdjson);

    /**
     * As {@link #deliver(String, byte[])} within {@code timeLeft}: a sink that can bound its calls (a stream's client)
     * gives up when it is over and returns what it did not send as refused, for the writer to spool while there is
     * time. The default ignores it.
     */
    default Refused deliver(String objectKey, byte[] gzipNdjson, java.time.Duration timeLeft) {
        return deliver(objectKey, gzipNdjson);
    }

    /**
     * What the sink already holds under {@code objectKey}, when it can tell: empty when it holds nothing there or
     * cannot say (a stream names its objects itself). Journal recovery asks, to skip a segment its flush stored.
     *
     * @throws RuntimeException when the sink could not be asked (the caller then assumes nothing is held)
     */
    default Optional<byte[]> stored(String objectKey) {
        return Optional.empty();
    }

    /** Writes each batch as one object under its key. */
    static UsageSink objectStore(ObjectStore store) {
        Objects.requireNonNull(store, "store");
        return new UsageSink() {
            @Override
            public Refused deliver(String objectKey, byte[] gzipNdjson) {
                store.put(objectKey, gzipNdjson);
                return Refused.NONE;
            }

            @Override
            public Optional<byte[]> stored(String objectKey) {
                return store.get(objectKey);
            }
        };
    }

    /**
     * Lines a sink refused (without their newlines) and why, e.g. {@code "2 of 40 records: ServiceUnavailableException
     * (Slow down.)"}.
     */
    record Refused(List<String> lines, String reason) {
        public static final Refused NONE = new Refused(List.of(), "");

        public Refused {
            lines = List.copyOf(lines);
            Objects.requireNonNull(reason, "reason");
        }

        public boolean isEmpty() {
            return lines.isEmpty();
        }
    }
}
