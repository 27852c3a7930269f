package dev.spendgate.aws.s3;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An {@link ObjectStore} in one S3 bucket. Every SDK failure (unreachable endpoint, throttling, missing bucket, access
 * denied) becomes an {@link ObjectStoreException}; only a missing object is an empty result. Timeouts and retries are
 * those of the {@link S3Client} passed in.
 */
public final class S3ObjectStore implements ObjectStore {
    private static final int DEFAULT_PAGE_SIZE = 1000;
    /** Tries of a conditional put that S3 answers 409 (a conflicting write in flight), and the first pause. */
    static final int CONFLICT_RETRIES = 4;

    private static final long CONFLICT_PAUSE_MS = 50;

    private final S3Client s3;
    private final String bucket;
    private final int pageSize;

    public S3ObjectStore(S3Client s3, String bucket) {
        this(s3, bucket, DEFAULT_PAGE_SIZE);
    }

    /** With a smaller ListObjectsV2 page size, so tests can cross page boundaries cheaply. */
    S3ObjectStore(S3Client s3, String bucket, int pageSize) {
        this.s3 = Objects.requireNonNull(s3, "s3");
        this.bucket = requireText(bucket, "bucket");
        if (pageSize < 1 || pageSize > DEFAULT_PAGE_SIZE) {
            throw new IllegalArgumentException("pageSize must be 1-" + DEFAULT_PAGE_SIZE + ", was " + pageSize);
        }
        this.pageSize = pageSize;
    }

    /** The bucket holding the objects. */
    public String bucket() {
        return bucket;
    }

    @Override
    public void put(String key, byte[] content) {
        requireText(key, "key");
        Objects.requireNonNull(content, "content");
        try {
            s3.putObject(
                    b -> b.bucket(bucket).key(key).contentLength((long) content.length),
                    RequestBody.fromBytes(content));
        } catch (SdkException e) {
            throw new ObjectStoreException("could not put s3://" + bucket + "/" + key, e);
        }
    }

    /**
     * PutObject with {@code If-None-Match: *}: S3 refuses it with 412 Precondition Failed when the key exists, so of
     * two writers exactly one creates it. A 409 (ConditionalRequestConflict: another write of the key is in flight)
     * says nothing yet: that write may still fail and leave the key absent, so the put is tried again, after
     * {@value #CONFLICT_RETRIES} tries failing with {@link ObjectStoreException} rather than answering "exists".
     *
     * <p>The SDK resends a put whose answer was lost (a 5xx or a timeout after S3 stored it), and the resend then
     * finds the object and gets 412. So a 412 reads the object back: when it holds exactly this call's bytes, this
     * call wrote it and gets true. Callers make their content unique to the call (a run id), as the interface asks.
     */
    @Override
    public boolean putIfAbsent(String key, byte[] content) {
        requireText(key, "key");
        Objects.requireNonNull(content, "content");
        for (int attempt = 1; ; attempt++) {
            try {
                s3.putObject(
                        b -> b.bucket(bucket)
                                .key(key)
                                .contentLength((long) content.length)
                                .ifNoneMatch("*"),
                        RequestBody.fromBytes(content));
                return true;
            } catch (S3Exception e) {
                if (e.statusCode() == 412) {
                    return ownWrite(key, content);
                }
                if (e.statusCode() != 409 || attempt == CONFLICT_RETRIES) {
                    throw new ObjectStoreException("could not put s3://" + bucket + "/" + key + " if absent", e);
                }
            } catch (SdkException e) {
                throw new ObjectStoreException("could not put s3://" + bucket + "/" + key + " if absent", e);
            }
            pause(CONFLICT_PAUSE_MS << (attempt - 1));
        }
    }

    /** Whether the object under {@code key} is {@code content}: this call's own write, answered 412 on a resend. */
    private boolean ownWrite(String key, byte[] content) {
        return get(key).map(stored -> Arrays.equals(stored, content)).orElse(false);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ObjectStoreException("interrupted waiting out a conflicting S3 write", e);
        }
    }

    @Override
    public void delete(String key) {
        requireText(key, "key");
        try {
            s3.deleteObject(b -> b.bucket(bucket).key(key));
        } catch (SdkException e) {
            throw new ObjectStoreException("could not delete s3://" + bucket + "/" + key, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        requireText(key, "key");
        try {
            return Optional.of(
                    s3.getObjectAsBytes(b -> b.bucket(bucket).key(key)).asByteArrayUnsafe());
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ObjectStoreException("could not get s3://" + bucket + "/" + key, e);
        }
    }

    /**
     * The GetObject response body as it arrives: one GET, one version of the object. A failure while reading (the
     * connection dropped, a checksum mismatch) is an {@link IOException} naming the object; closing the stream before
     * its end aborts the connection instead of reading the rest.
     */
    @Override
    public Optional<InputStream> open(String key) {
        requireText(key, "key");
        try {
            return Optional.of(new Body(s3.getObject(b -> b.bucket(bucket).key(key)), "s3://" + bucket + "/" + key));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw new ObjectStoreException("could not get s3://" + bucket + "/" + key, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        List<String> keys = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(
                            b -> b.bucket(bucket).prefix(prefix).maxKeys(pageSize))
                    .contents()) {
                keys.add(object.key());
            }
        } catch (SdkException e) {
            throw new ObjectStoreException("could not list s3://" + bucket + "/" + prefix, e);
        }
        keys.sort(null); // S3 orders by UTF-8 bytes; the port promises String order
        return keys;
    }

    /** The listing's sizes, from the same ListObjectsV2 pages as {@link #list}. */
    @Override
    public List<Listed> listWithSizes(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        List<Listed> objects = new ArrayList<>();
        try {
            for (S3Object object : s3.listObjectsV2Paginator(
                            b -> b.bucket(bucket).prefix(prefix).maxKeys(pageSize))
                    .contents()) {
                objects.add(new Listed(object.key(), object.size() == null ? Listed.UNKNOWN_SIZE : object.size()));
            }
        } catch (SdkException e) {
            throw new ObjectStoreException("could not list s3://" + bucket + "/" + prefix, e);
        }
        objects.sort(java.util.Comparator.comparing(Listed::key)); // the port promises String order
        return objects;
    }

    /** A GetObject body: SDK failures as {@link IOException}s, aborted when closed before its end. */
    private static final class Body extends FilterInputStream {
        private final ResponseInputStream<GetObjectResponse> response;
        private final String object;
        private boolean ended;

        Body(ResponseInputStream<GetObjectResponse> response, String object) {
            super(response);
            this.response = response;
            this.object = object;
        }

        @Override
        public int read() throws IOException {
            try {
                int b = super.read();
                ended |= b < 0;
                return b;
            } catch (SdkException e) {
                throw failed(e);
            }
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            try {
                int n = super.read(b, off, len);
                ended |= n < 0;
                return n;
            } catch (SdkException e) {
                throw failed(e);
            }
        }

        @Override
        public long skip(long n) throws IOException {
            try {
                return super.skip(n);
            } catch (SdkException e) {
                throw failed(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                if (!ended) {
                    response.abort(); // the rest of the body is not read to reuse the connection
                }
                super.close();
            } catch (SdkException e) {
                throw failed(e);
            }
        }

        private IOException failed(SdkException e) {
            return new IOException("could not read " + object + ": " + e.getMessage(), e);
        }
    }

    private static String requireText(String value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isEmpty()) {
            throw new IllegalArgumentException(name + " must not be empty");
        }
        return value;
    }
}
