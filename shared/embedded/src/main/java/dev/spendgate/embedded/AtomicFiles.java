package dev.spendgate.embedded;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
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

    /**
     * Creates {@code target} with {@code content} only if no file has its name, atomically: the content goes to a temp
     * file that is then hard-linked under the name (a link fails when the name exists), so of two callers exactly one
     * creates it and readers never see it half written. True when this call created it.
     */
    static boolean create(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path temp = dir.resolve("." + UUID.randomUUID() + TEMP_SUFFIX);
        try {
            writeTemp(temp, new FileAttribute<?>[0], content);
            try {
                Files.createLink(target, temp);
                return true;
            } catch (FileAlreadyExistsException e) {
                return false;
            }
        } finally {
            Files.deleteIfExists(temp);
        }
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
            writeTemp(temp, attributes, parts);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    private static void writeTemp(Path temp, FileAttribute<?>[] attributes, byte[]... parts) throws IOException {
        try (FileChannel channel =
                FileChannel.open(temp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attributes)) {
            for (byte[] part : parts) {
                ByteBuffer buffer = ByteBuffer.wrap(part);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
            }
            channel.force(true);
        }
    }
}
