package dev.spendgate.embedded;

import dev.spendgate.domain.routing.GatewayPolicy;
import dev.spendgate.domain.routing.GatewayPolicyStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The gateway policy in one JSON file ({@code <data-dir>/policy/gateway-policy.json}), replaced atomically on save so
 * a reader sees the old document or the new one. Writers take a lock on {@code gateway-policy.json.lock} beside it
 * (an OS file lock, so {@code advisor apply} and a running gateway's console exclude each other), so an
 * {@link #update} is never lost to a write made between its read and its own.
 */
public final class FileGatewayPolicyStore implements GatewayPolicyStore {
    /** An OS file lock is held by the process, not the thread: threads of one JVM queue here first. */
    private static final Map<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path file;

    public FileGatewayPolicyStore(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    public Path file() {
        return file;
    }

    @Override
    public GatewayPolicy load() {
        try {
            return GatewayPolicy.parse(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return GatewayPolicy.EMPTY;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    @Override
    public void save(GatewayPolicy policy) {
        // the stored document is not read: a replacement is how an invalid one gets fixed
        write(() -> policy);
    }

    @Override
    public GatewayPolicy update(UnaryOperator<GatewayPolicy> change) {
        return write(() -> change.apply(load()));
    }

    private GatewayPolicy write(Supplier<GatewayPolicy> change) {
        Path absolute = file.toAbsolutePath().normalize();
        ReentrantLock local = IN_PROCESS.computeIfAbsent(absolute, p -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(absolute.getParent());
            Path lockFile = absolute.resolveSibling(absolute.getFileName() + ".lock");
            try (FileChannel channel =
                    FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                FileLock held = lock(channel);
                try {
                    GatewayPolicy next = Objects.requireNonNull(change.get(), "changed policy");
                    replace(next);
                    return next;
                } finally {
                    if (held != null) {
                        held.release();
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } finally {
            local.unlock();
        }
    }

    /**
     * The OS lock, or null on a file system that has none (some NFS and FUSE mounts): then only this process's
     * writers exclude each other, as before the lock existed.
     */
    private static FileLock lock(FileChannel channel) throws IOException {
        try {
            return channel.lock();
        } catch (IOException e) {
            if (e.getMessage() != null
                    && e.getMessage().toLowerCase(java.util.Locale.ROOT).contains("not supported")) {
                return null;
            }
            throw e;
        }
    }

    private void replace(GatewayPolicy policy) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = Files.createTempFile(file.toAbsolutePath().getParent(), ".policy-", ".json");
            try {
                Files.write(tmp, policy.toJson());
                try {
                    Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
