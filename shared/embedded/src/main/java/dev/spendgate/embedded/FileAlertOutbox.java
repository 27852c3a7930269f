package dev.spendgate.embedded;

import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertOutboxJson;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.logging.JsonLogger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An {@link AlertOutbox} in a directory: one JSON file per alert or notice ({@code <millis>-<id>.json}), written whole
 * and forced to disk before the first delivery attempt, deleted when the delivery ends. A file that cannot be read is
 * kept aside ({@code .damaged}) and logged, never retried forever.
 */
public final class FileAlertOutbox implements AlertOutbox {
    private static final JsonLogger LOG = JsonLogger.create("embedded");
    private static final String SUFFIX = ".json";

    private final Path dir;
    private final Clock clock;

    public FileAlertOutbox(Path dir) {
        this(dir, Clock.systemUTC());
    }

    public FileAlertOutbox(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
    }

    @Override
    public String keep(BudgetAlert alert, AlertSink.Notice notice, Waiting waitingOn) {
        Instant now = clock.instant();
        String id = now.toEpochMilli() + "-" + UUID.randomUUID();
        try {
            AtomicFiles.write(dir.resolve(id + SUFFIX), AlertOutboxJson.write(alert, notice, now, waitingOn));
        } catch (IOException e) {
            throw new UncheckedIOException("could not keep the alert in " + dir, e);
        }
        return id;
    }

    @Override
    public void remove(String id) {
        try {
            Files.deleteIfExists(dir.resolve(id + SUFFIX));
        } catch (IOException e) {
            throw new UncheckedIOException("could not remove the delivered alert " + id + " from " + dir, e);
        }
    }

    @Override
    public List<Kept> olderThan(Duration age) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        Instant before = clock.instant().minus(age);
        List<Kept> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.sorted().toList()) {
                String name = file.getFileName().toString();
                if (!name.endsWith(SUFFIX) || AtomicFiles.isTemp(file)) {
                    continue;
                }
                String id = name.substring(0, name.length() - SUFFIX.length());
                Kept kept = read(file, id);
                if (kept != null && !kept.since().isAfter(before)) {
                    out.add(kept);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("could not list the alert outbox " + dir, e);
        }
        return out;
    }

    private Kept read(Path file, String id) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException gone) {
            return null; // delivered meanwhile
        }
        try {
            return AlertOutboxJson.read(id, bytes);
        } catch (IllegalArgumentException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".damaged");
            Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            LOG.error("alerts.outbox_damaged")
                    .field("file", aside.toString())
                    .log("an alert kept in the outbox cannot be read and is not sent: kept as " + aside);
            return null;
        }
    }
}
