package dev.spendgate.embedded;

import dev.spendgate.domain.usage.UsageSpool;
import dev.spendgate.logging.JsonLogger;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link UsageSpool} in a directory, one file per batch, written atomically and fsynced.
 *
 * <p>A batch's file is named by the SHA-256 of its object key ({@code <hex>.batch}), so spilling the same key again
 * atomically replaces it and any key length fits in a file name. The file holds a small header (magic, spill time, a
 * sequence number, the object key) and then the batch bytes unchanged. {@link #pending} orders by spill time, then
 * sequence. Files that are not valid batches are left alone and skipped.
 */
public final class FileSystemUsageSpool implements UsageSpool {
    private static final String SUFFIX = ".batch";
    private static final int MAGIC = 0x53475350; // "SGSP"
    private static final int VERSION = 1;
    /** Shared by every instance in the JVM so two instances on one directory still order their spills. */
    private static final AtomicLong SEQUENCE = new AtomicLong();
    /** Batch files of another format version already named in the log, so each is named once per process. */
    private static final java.util.Set<Path> UNREADABLE_NAMED = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private static final JsonLogger LOG = JsonLogger.create("embedded");

    private final Path dir;
    private final Clock clock;

    /** A spool in {@code dir}, created on first spill. */
    public FileSystemUsageSpool(Path dir) {
        this(dir, Clock.systemUTC());
    }

    /** A spool in {@code dir} stamping spills with {@code clock}. */
    public FileSystemUsageSpool(Path dir, Clock clock) {
        this.dir = Objects.requireNonNull(dir, "dir").toAbsolutePath().normalize();
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /** The directory holding the batches. */
    public Path dir() {
        return dir;
    }

    @Override
    public void spill(SpooledBatch batch) {
        Objects.requireNonNull(batch, "batch");
        byte[] key = batch.objectKey().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream header = new ByteArrayOutputStream(32 + key.length);
        try (DataOutputStream out = new DataOutputStream(header)) {
            out.writeInt(MAGIC);
            out.writeInt(VERSION);
            out.writeLong(clock.millis());
            out.writeLong(SEQUENCE.incrementAndGet());
            out.writeInt(key.length);
            out.write(key);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        Path file = fileFor(batch.objectKey());
        try {
            AtomicFiles.write(file, header.toByteArray(), batch.content());
        } catch (IOException e) {
            throw new UncheckedIOException("could not spill usage batch " + batch.objectKey() + " to " + dir, e);
        }
    }

    @Override
    public List<SpooledBatch> pending(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be positive, was " + max);
        }
        List<Header> headers = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
            for (Path file : files) {
                Header header = readHeader(file);
                if (header != null) {
                    headers.add(header);
                }
            }
        } catch (NoSuchFileException e) {
            return List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the usage spool " + dir, e);
        }
        headers.sort(Comparator.comparingLong(Header::spilledAt)
                .thenComparingLong(Header::sequence)
                .thenComparing(Header::objectKey));
        List<SpooledBatch> batches = new ArrayList<>(Math.min(max, headers.size()));
        for (Header header : headers) {
            if (batches.size() == max) {
                break;
            }
            SpooledBatch batch = readBatch(header.file());
            if (batch != null) {
                batches.add(batch);
            }
        }
        return batches;
    }

    @Override
    public void remove(String objectKey) {
        Objects.requireNonNull(objectKey, "objectKey");
        try {
            Files.deleteIfExists(fileFor(objectKey));
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove usage batch " + objectKey + " from " + dir, e);
        }
    }

    private Path fileFor(String objectKey) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(objectKey.getBytes(StandardCharsets.UTF_8));
            return dir.resolve(HexFormat.of().formatHex(digest) + SUFFIX);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }

    /** The header of a batch file; null when the file vanished or is not a batch. */
    private static Header readHeader(Path file) throws IOException {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 512))) {
            return readHeader(file, in);
        } catch (NoSuchFileException e) {
            return null; // delivered and removed meanwhile
        }
    }

    private static Header readHeader(Path file, DataInputStream in) throws IOException {
        try {
            int magic = in.readInt();
            int version = magic == MAGIC ? in.readInt() : -1;
            if (magic != MAGIC || version != VERSION) {
                if (magic == MAGIC && UNREADABLE_NAMED.add(file)) {
                    // a batch of another version (a newer gateway ran on this directory): its records are not in
                    // the usage log until that version delivers them, so the totals are short; say so once
                    LOG.error("spool.batch_of_other_version")
                            .field("file", file.toString())
                            .field("version", version)
                            .log("usage spool batch " + file + " is format version " + version + ", this gateway reads "
                                    + VERSION + ": its records are not delivered; it is left in place for a gateway of"
                                    + " that version");
                }
                return null;
            }
            long spilledAt = in.readLong();
            long sequence = in.readLong();
            int keyLength = in.readInt();
            if (keyLength < 1 || keyLength > 64 * 1024) {
                return null;
            }
            byte[] key = in.readNBytes(keyLength);
            if (key.length != keyLength) {
                return null;
            }
            return new Header(file, new String(key, StandardCharsets.UTF_8), spilledAt, sequence);
        } catch (EOFException e) {
            return null;
        }
    }

    private static SpooledBatch readBatch(Path file) {
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            Header header = readHeader(file, in);
            return header == null ? null : new SpooledBatch(header.objectKey(), in.readAllBytes());
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read usage batch " + file, e);
        }
    }

    private record Header(Path file, String objectKey, long spilledAt, long sequence) {}
}
