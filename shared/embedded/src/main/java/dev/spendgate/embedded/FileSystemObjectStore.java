package dev.spendgate.embedded;

import dev.spendgate.domain.store.ObjectStore;
import dev.spendgate.domain.store.ObjectStoreException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An {@link ObjectStore} in a directory: key {@code a/b/c.json} is the file {@code <root>/a/b/c.json}.
 *
 * <p>Writes are atomic (temp file in the same directory, then rename), so readers see the old or the new object, never
 * part of one. Keys must be relative paths of non-empty segments other than {@code .} and {@code ..}; unlike S3, a key
 * cannot also be the "directory" of another key ({@code a/b} and {@code a/b/c} cannot both exist): the second put throws
 * {@link ObjectStoreException}.
 */
public final class FileSystemObjectStore implements ObjectStore {
    private final Path root;

    /** A store rooted at {@code root}, created on first write. */
    public FileSystemObjectStore(Path root) {
        this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    /** The directory holding the objects. */
    public Path root() {
        return root;
    }

    @Override
    public void put(String key, byte[] content) {
        Objects.requireNonNull(content, "content");
        Path file = resolve(key);
        try {
            AtomicFiles.write(file, content);
        } catch (IOException e) {
            throw new ObjectStoreException("could not write object " + key + " under " + root, e);
        }
    }

    /** Atomic: the object is hard-linked into place from a temp file, which fails when the key exists. */
    @Override
    public boolean putIfAbsent(String key, byte[] content) {
        Objects.requireNonNull(content, "content");
        Path file = resolve(key);
        try {
            return AtomicFiles.create(file, content);
        } catch (IOException e) {
            throw new ObjectStoreException("could not create object " + key + " under " + root, e);
        }
    }

    @Override
    public void delete(String key) {
        Path file = resolve(key);
        try {
            if (Files.isRegularFile(file)) {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new ObjectStoreException("could not delete object " + key + " under " + root, e);
        }
    }

    @Override
    public Optional<byte[]> get(String key) {
        Path file = resolve(key);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return Optional.of(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("could not read object " + key + " under " + root, e);
        }
    }

    /** The file as a stream: a write meanwhile replaces the file, so the stream goes on reading the old object. */
    @Override
    public Optional<InputStream> open(String key) {
        Path file = resolve(key);
        try {
            if (!Files.isRegularFile(file)) {
                return Optional.empty();
            }
            return Optional.of(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new ObjectStoreException("could not read object " + key + " under " + root, e);
        }
    }

    @Override
    public List<String> list(String prefix) {
        Objects.requireNonNull(prefix, "prefix");
        int slash = prefix.lastIndexOf('/');
        String directoryPart = slash < 0 ? "" : prefix.substring(0, slash);
        if (!directoryPart.isEmpty() && !isValidKey(directoryPart)) {
            return List.of(); // no valid key starts with it
        }
        Path start = directoryPart.isEmpty() ? root : root.resolve(directoryPart);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        List<String> keys = new ArrayList<>();
        try {
            // A file or directory that vanishes while it is walked (a put's temporary file renamed into place, an
            // object deleted) is left out, as a listing a moment later would leave it out; Files.walk failed the
            // whole listing on it, so a console page or a report listing during writes failed now and then.
            Files.walkFileTree(start, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult visitFile(
                        Path file, java.nio.file.attribute.BasicFileAttributes attributes) {
                    if (attributes.isRegularFile() && !AtomicFiles.isTemp(file)) {
                        String key = keyOf(file);
                        if (key.startsWith(prefix)) {
                            keys.add(key);
                        }
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                    if (e instanceof NoSuchFileException) {
                        return java.nio.file.FileVisitResult.CONTINUE;
                    }
                    throw e;
                }

                @Override
                public java.nio.file.FileVisitResult postVisitDirectory(Path dir, IOException e) throws IOException {
                    if (e != null && !(e instanceof NoSuchFileException)) {
                        throw e;
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException | NotDirectoryException e) {
            return List.of();
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new ObjectStoreException("could not list objects under " + start, e);
        }
        keys.sort(null);
        return keys;
    }

    /** Each listed file's size; a file removed since the listing is left out, as a later {@link #list} would. */
    @Override
    public List<Listed> listWithSizes(String prefix) {
        List<Listed> objects = new ArrayList<>();
        for (String key : list(prefix)) {
            try {
                objects.add(new Listed(key, Files.size(resolve(key))));
            } catch (NoSuchFileException e) {
                // deleted meanwhile
            } catch (IOException e) {
                throw new ObjectStoreException("could not read the size of object " + key + " under " + root, e);
            }
        }
        return objects;
    }

    private String keyOf(Path file) {
        Path relative = root.relativize(file);
        StringBuilder key = new StringBuilder();
        for (Path segment : relative) {
            if (key.length() > 0) {
                key.append('/');
            }
            key.append(segment);
        }
        return key.toString();
    }

    private Path resolve(String key) {
        Objects.requireNonNull(key, "key");
        if (!isValidKey(key) || key.endsWith(AtomicFiles.TEMP_SUFFIX)) {
            throw new IllegalArgumentException("object key must be a relative path of non-empty segments without"
                    + " '.', '..', '\\' or NUL (and not ending in " + AtomicFiles.TEMP_SUFFIX + "): '" + key + "'");
        }
        Path file = root.resolve(key).normalize();
        if (!file.startsWith(root) || file.equals(root)) {
            throw new IllegalArgumentException("object key escapes the store root: '" + key + "'");
        }
        return file;
    }

    private static boolean isValidKey(String key) {
        if (key.isEmpty() || key.indexOf('\\') >= 0 || key.indexOf('\0') >= 0) {
            return false;
        }
        for (String segment : key.split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                return false;
            }
        }
        return true;
    }
}
