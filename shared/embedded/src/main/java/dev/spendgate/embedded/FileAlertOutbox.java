package dev.spendgate.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.spendgate.domain.budget.AlertOutbox;
import dev.spendgate.domain.budget.AlertSink;
import dev.spendgate.domain.budget.BudgetAlert;
import dev.spendgate.domain.budget.BudgetPolicy;
import dev.spendgate.logging.JsonLogger;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * An {@link AlertOutbox} in a directory: one JSON file per alert or notice ({@code <millis>-<id>.json}), written whole
 * and forced to disk before the first delivery attempt, deleted when the delivery ends. A file that cannot be read is
 * kept aside ({@code .damaged}) and logged, never retried forever.
 */
public final class FileAlertOutbox implements AlertOutbox {
    private static final ObjectMapper JSON = new ObjectMapper();
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
    public String keep(BudgetAlert alert, AlertSink.Notice notice) {
        Instant now = clock.instant();
        String id = now.toEpochMilli() + "-" + UUID.randomUUID();
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("since", now.toString());
        if (alert != null) {
            ObjectNode a = root.putObject("alert");
            a.put("policy_id", alert.policyId());
            a.put("scope_value", alert.scopeValue());
            a.put("period", alert.period());
            a.put("threshold_percent", alert.thresholdPercent());
            a.put("limit_usd", alert.limitUsd().toPlainString());
            a.put("spent_usd", alert.spentUsd().toPlainString());
            a.put("mode", alert.mode().label());
            a.put("at", alert.at().toString());
        } else {
            ObjectNode n = root.putObject("notice");
            n.put("subject", notice.subject());
            n.put("message", notice.message());
            ObjectNode attributes = n.putObject("attributes");
            notice.attributes().forEach(attributes::put);
        }
        try {
            AtomicFiles.write(dir.resolve(id + SUFFIX), JSON.writeValueAsBytes(root));
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
            JsonNode root = JSON.readTree(bytes);
            Instant since = Instant.parse(root.path("since").asText());
            JsonNode a = root.get("alert");
            if (a != null) {
                return new Kept(
                        id,
                        new BudgetAlert(
                                a.path("policy_id").asText(),
                                a.path("scope_value").asText(),
                                a.path("period").asText(),
                                a.path("threshold_percent").asInt(),
                                new BigDecimal(a.path("limit_usd").asText()),
                                new BigDecimal(a.path("spent_usd").asText()),
                                BudgetPolicy.Mode.parse(a.path("mode").asText()),
                                Instant.parse(a.path("at").asText())),
                        null,
                        since);
            }
            JsonNode n = root.get("notice");
            Map<String, String> attributes = new LinkedHashMap<>();
            n.path("attributes")
                    .properties()
                    .forEach(e -> attributes.put(e.getKey(), e.getValue().asText()));
            return new Kept(
                    id,
                    null,
                    new AlertSink.Notice(
                            n.path("subject").asText(), n.path("message").asText(), attributes),
                    since);
        } catch (RuntimeException | IOException e) {
            Path aside = file.resolveSibling(file.getFileName() + ".damaged");
            Files.move(file, aside, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            LOG.error("alerts.outbox_damaged")
                    .field("file", aside.toString())
                    .log("an alert kept in the outbox cannot be read and is not sent: kept as " + aside);
            return null;
        }
    }
}
