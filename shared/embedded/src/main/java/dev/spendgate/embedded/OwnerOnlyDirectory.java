package dev.spendgate.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;

/**
 * The local gateway's data directory, readable by its owner alone. It holds usage records (who called what, for how
 * much), cached answers (the providers' replies to users' prompts), key hashes and budget ledgers: on a shared host,
 * other users must not read them. The files inside are created with the process's umask (often readable by all); a
 * directory other users cannot enter keeps every file below it from them, whatever its own mode. On a file system
 * without POSIX permissions (Windows) nothing is changed.
 */
public final class OwnerOnlyDirectory {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rwx------");

    /** What {@link #secure} found and did. */
    public enum Outcome {
        /** Created owner-only, or already so, or on a file system without POSIX permissions. */
        PRIVATE,
        /** It was open to group or other users; they were taken out. */
        CLOSED,
        /** It is open to group or other users and its mode could not be changed (another user owns it). */
        LEFT_OPEN
    }

    private OwnerOnlyDirectory() {}

    /**
     * Creates {@code dir} owner-only when it does not exist, or takes group and other users' access away from an
     * existing one.
     *
     * @throws UncheckedIOException when the directory cannot be created
     */
    public static Outcome secure(Path dir) {
        try {
            if (Files.notExists(dir)) {
                Files.createDirectories(dir.toAbsolutePath().getParent());
                if (posix(dir.toAbsolutePath().getParent())) {
                    try {
                        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
                    } catch (java.nio.file.FileAlreadyExistsException raced) {
                        return secure(dir);
                    }
                    // the umask may have taken bits from the requested mode, never added them; set it all the same
                    Files.setPosixFilePermissions(dir, OWNER_ONLY);
                } else {
                    Files.createDirectories(dir);
                }
                return Outcome.PRIVATE;
            }
            if (!posix(dir)) {
                return Outcome.PRIVATE;
            }
            Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
            Set<PosixFilePermission> others = EnumSet.noneOf(PosixFilePermission.class);
            others.addAll(now);
            others.retainAll(EnumSet.of(
                    PosixFilePermission.GROUP_READ,
                    PosixFilePermission.GROUP_WRITE,
                    PosixFilePermission.GROUP_EXECUTE,
                    PosixFilePermission.OTHERS_READ,
                    PosixFilePermission.OTHERS_WRITE,
                    PosixFilePermission.OTHERS_EXECUTE));
            if (others.isEmpty()) {
                return Outcome.PRIVATE;
            }
            Set<PosixFilePermission> tightened = EnumSet.noneOf(PosixFilePermission.class);
            tightened.addAll(now);
            tightened.removeAll(others);
            try {
                Files.setPosixFilePermissions(dir, tightened);
            } catch (IOException notOwner) {
                return Outcome.LEFT_OPEN;
            }
            return Outcome.CLOSED;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the data directory " + dir + " owner-only", e);
        }
    }

    private static boolean posix(Path path) {
        return Files.getFileAttributeView(path, PosixFileAttributeView.class) != null;
    }
}
