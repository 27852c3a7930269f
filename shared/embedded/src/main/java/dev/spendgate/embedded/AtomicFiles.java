package dev.spendgate.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.UUID;

/** Whole-file writes that readers never see half done: a temp file in the same directory, fsync, atomic rename. */
final class AtomicFiles {
    /** Temp files end with this; listings skip them and object keys may not end with it. */
    static final String TEMP_SUFFIX = ".sg-tmp";

    private AtomicFiles() {}

    /** Replaces {@code target} with {@code parts} written one after another, creating parent directories. */
    static void write(Path target, byte[]... parts) throws IOException {
        write(target, false, parts);
    }

    /** As {@link #write}, but the file is readable and writable by its owner only (where POSIX permissions exist). */
    static void writeOwnerOnly(Path target, byte[]... parts) throws IOException {
        write(target, true, parts);
    }

    static boolean isTemp(Path file) {
        return file.getFileName().toString().endsWith(TEMP_SUFFIX);
    }

    private static void write(Path target, boolean ownerOnly, byte[]... parts) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + UUID.randomUUID() + TEMP_SUFFIX);
        FileAttribute<?>[] attributes =
                ownerOnly && dir.getFileSystem().supportedFileAttributeViews().contains("posix")
                        ? new FileAttribute<?>[] {
                            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
                        }
                        : new FileAttribute<?>[0];
        try {
            try (FileChannel channel = FileChannel.open(
                    temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
                for (byte[] part : parts) {
                    ByteBuffer buffer = ByteBuffer.wrap(part);
                    while (buffer.hasRemaining()) {
                        channel.write(buffer);
                    }
                }
                channel.force(true);
            }
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
