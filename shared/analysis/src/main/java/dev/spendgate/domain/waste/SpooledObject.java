package dev.spendgate.domain.waste;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * A stored object streamed once to a local temporary file (on Lambda, {@code /tmp}) and read from there as often as
 * needed, then deleted on {@link #close}. Every read sees the bytes of that one GET, so an object written again while
 * it is read several times cannot be read half old and half new, and no read holds it on the heap.
 */
final class SpooledObject implements AutoCloseable, Supplier<InputStream> {
    private final Path file;

    private SpooledObject(Path file) {
        this.file = file;
    }

    /**
     * The object under {@code key} copied to a temporary file, or empty when there is none.
     *
     * @throws ObjectStoreException when the object cannot be read to its end or the file cannot be written: a
     *     failure of the store or the disk, not damage of the object
     */
    static Optional<SpooledObject> copy(ObjectStore store, String key) {
        Objects.requireNonNull(store, "store");
        Optional<InputStream> body = store.open(key);
        if (body.isEmpty()) {
            return Optional.empty();
        }
        Path file = null;
        try (InputStream in = body.get()) {
            file = Files.createTempFile("spendgate-object-", ".spool");
            try (OutputStream out = Files.newOutputStream(file)) {
                in.transferTo(out);
            }
            return Optional.of(new SpooledObject(file));
        } catch (IOException | RuntimeException e) {
            deleteQuietly(file);
            if (e instanceof ObjectStoreException stored) {
                throw stored;
            }
            throw new ObjectStoreException("could not copy object " + key + " to a local file", e);
        }
    }

    /** The object's bytes from the start, from the local copy. */
    @Override
    public InputStream get() {
        try {
            return Files.newInputStream(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        deleteQuietly(file);
    }

    private static void deleteQuietly(Path file) {
        if (file == null) {
            return;
        }
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // the temporary directory is the platform's to clean; nothing of the run depends on it
        }
    }
}
