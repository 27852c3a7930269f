package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.UnaryOperator;

/**
 * One JSON document in one file, shared safely by several processes (the local server and the CLI) and by several
 * instances in one JVM: the pattern of {@link FileKeyStore}, for any value type.
 *
 * <p>{@link #update} takes this JVM's lock for the file, then an exclusive lock on the sibling {@code <file>.lock},
 * re-reads the file, applies the change and atomically replaces the file (owner-only permissions). {@link #current}
 * trusts its copy for {@value #RECHECK_MILLIS} ms, then compares the file's identity, modification time and size (one
 * {@code stat}) and re-reads it when they changed, or when the copy is a second old (two quick rewrites can look
 * alike). So a change made by another process is seen within about a second, usually within 100 ms; a file that
 * does not exist yet is looked for at the same pace, so a busy server makes no file-system call per request either
 * way (on virtual threads each such call also wakes a second carrier thread).
 */
final class SharedJsonFile<T> {
    /** How to read and write the document; {@code parse} may throw anything, it is reported as an invalid file. */
    interface Codec<T> {
        T empty();

        T parse(JsonNode root) throws IOException;

        JsonNode serialize(T value, ObjectMapper mapper);
    }

    static final long RECHECK_MILLIS = 100;
    private static final long RECHECK_NANOS = RECHECK_MILLIS * 1_000_000L;
    private static final long MAX_SNAPSHOT_AGE_NANOS = 1_000_000_000L;
    /** FileChannel locks are per process; threads and instances within this JVM queue on this lock first. */
    private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();
    /** The version of a file that does not exist; trusted for the recheck period like any other version. */
    private static final Object ABSENT = new Object();

    private final Path file;
    private final Path lockFile;
    private final String description;
    private final Codec<T> codec;
    private final ReentrantLock jvmLock;
    private final ObjectMapper mapper = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);

    private volatile Snapshot<T> snapshot;

    /** {@code description} names the file in messages, e.g. "budget policy file". */
    SharedJsonFile(Path file, String description, Codec<T> codec) {
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath().normalize();
        this.lockFile = this.file.resolveSibling(this.file.getFileName() + ".lock");
        this.description = Objects.requireNonNull(description, "description");
        this.codec = Objects.requireNonNull(codec, "codec");
        this.jvmLock = JVM_LOCKS.computeIfAbsent(this.file, f -> new ReentrantLock());
        this.snapshot = new Snapshot<>(codec.empty(), null, Long.MIN_VALUE, 0);
    }

    Path file() {
        return file;
    }

    /** The document as of the file's current version (see the class comment for how current). */
    T current() {
        Snapshot<T> known = snapshot;
        if (known.version() != null && System.nanoTime() - known.checkedAt() < RECHECK_NANOS) {
            return known.value(); // checked a moment ago: no file-system call on the hot path
        }
        Object version = version();
        if (known.isCurrent(version)) {
            snapshot = known.checkedNow();
            return known.value();
        }
        synchronized (this) {
            known = snapshot;
            if (!known.isCurrent(version)) {
                known = read(version);
                snapshot = known;
            }
            return known.value();
        }
    }

    /** The document as the file holds it now, read whatever {@link #current} last saw (files are replaced whole). */
    T fresh() {
        Object version = version();
        synchronized (this) {
            Snapshot<T> known = snapshot;
            if (!known.isCurrent(version)) {
                known = read(version);
                snapshot = known;
            }
            return known.value();
        }
    }

    /**
     * Applies {@code change} to the latest document under the cross-process lock and writes the result; a null result
     * means no change. Exceptions thrown by {@code change} propagate and leave the file as it was.
     */
    void update(UnaryOperator<T> change) {
        jvmLock.lock();
        try {
            Files.createDirectories(lockFile.getParent());
            try (FileChannel channel =
                    FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                channel.lock(); // released when the channel closes
                T updated = change.apply(read(version()).value());
                if (updated != null) {
                    AtomicFiles.writeOwnerOnly(file, mapper.writeValueAsBytes(codec.serialize(updated, mapper)));
                }
                Object version = version();
                synchronized (this) {
                    snapshot = read(version);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not update the " + description + " " + file, e);
        } finally {
            jvmLock.unlock();
        }
    }

    /** The file's identity, modification time and size; {@link #ABSENT} when it does not exist. */
    private Object version() {
        if (!file.toFile().exists()) {
            return ABSENT; // java.io.File answers without throwing, which costs more than the stat itself
        }
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            return List.of(
                    Objects.requireNonNullElse(attributes.fileKey(), ""),
                    attributes.lastModifiedTime(),
                    attributes.size());
        } catch (NoSuchFileException e) {
            return ABSENT;
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the " + description + " " + file, e);
        }
    }

    /** Reads the file (read after {@code version} was taken, so it is at least that new). */
    private Snapshot<T> read(Object version) {
        if (version == ABSENT) {
            return new Snapshot<>(codec.empty(), ABSENT, System.nanoTime(), System.nanoTime());
        }
        byte[] json;
        try {
            json = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return new Snapshot<>(codec.empty(), ABSENT, System.nanoTime(), System.nanoTime());
        } catch (IOException e) {
            throw new UncheckedIOException("could not read the " + description + " " + file, e);
        }
        T value;
        try {
            value = codec.parse(mapper.readTree(json));
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("the " + description + " " + file + " is not valid: " + e.getMessage(), e);
        }
        long now = System.nanoTime();
        return new Snapshot<>(value, version, now, now);
    }

    private record Snapshot<T>(T value, Object version, long readAt, long checkedAt) {
        Snapshot<T> checkedNow() {
            return new Snapshot<>(value, version, readAt, System.nanoTime());
        }

        /** True when the file still has this version and this copy is less than a second old. */
        boolean isCurrent(Object currentVersion) {
            return Objects.equals(version, currentVersion)
                    && (version == ABSENT || System.nanoTime() - readAt < MAX_SNAPSHOT_AGE_NANOS);
        }
    }
}
